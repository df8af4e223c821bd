import type { ChannelConfig } from '../../config/alerts.ts';
import type { AlertMessage } from '../message.ts';
import { ChannelError } from './http.ts';

type EmailChannel = Extract<ChannelConfig, { type: 'email' }>;

export function emailContent(m: AlertMessage): { subject: string; text: string } {
  const lines = [m.summary, '', ...m.facts.map(([k, v]) => `${k}: ${v}`), '', `— Sluice (${m.key})`];
  return { subject: m.title.slice(0, 200), text: lines.join('\n') };
}

/** Sends over SMTP with nodemailer; a refusal or an unreachable server throws a `ChannelError`. */
export async function sendEmail(channel: EmailChannel, m: AlertMessage): Promise<void> {
  const { smtp } = channel;
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user !== undefined ? { auth: { user: smtp.user, pass: smtp.pass ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  try {
    await transport.sendMail({ from: channel.from, to: channel.to, ...emailContent(m), headers: { 'X-Sluice-Alert': m.key } });
  } catch (err) {
    throw new ChannelError(
      `SMTP ${smtp.host}:${smtp.port} refused or failed (${(err as { code?: string }).code ?? (err as Error).message})`,
      { cause: err },
    );
  } finally {
    transport.close();
  }
}
