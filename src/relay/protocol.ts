/**
 * The messages between the gateway and `sluice listen` over the relay
 * WebSocket, one JSON object per text frame.
 */

/** Gateway → listener, once the session is registered: from then on it may receive deliveries. */
export interface ReadyFrame {
  type: 'ready';
  endpointId: string;
  appId: string;
  name: string;
}

/** Gateway → listener: one delivery to make. The body travels as base64 so its bytes are exact. */
export interface DeliveryFrame {
  type: 'delivery';
  /** Names this request and its result (the delivery id plus the attempt number). */
  id: string;
  msgId: string;
  eventType: string | null;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** Listener → gateway: what the local handler answered, or why it could not. */
export interface ResultFrame {
  type: 'result';
  id: string;
  status: number | null;
  headers: Record<string, string>;
  /** The handler's body as text (the gateway keeps the first 4 KiB). */
  body: string | null;
  durationMs: number;
  error: string | null;
  /** The local handler refused the connection (nothing listening). */
  refused?: boolean;
}

export type GatewayFrame = ReadyFrame | DeliveryFrame;
export type ListenerFrame = ResultFrame;

/** WebSocket close codes of the relay. */
export const CLOSE_REPLACED = 4001;
export const CLOSE_UNKNOWN = 4004;
/** A listener closes with this when it stops on purpose. */
export const CLOSE_BYE = 1000;
