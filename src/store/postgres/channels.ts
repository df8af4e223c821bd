/**
 * The channel on which a commit that made deliveries due says so. Notifications
 * are database-wide, so a store confined to a schema gets its own channel.
 */
export function dueChannel(options: { schema?: string }): string {
  return options.schema === undefined ? 'sluice_due' : `sluice_due_${options.schema}`;
}

/** The channel of the live stream's events between processes (docs/api.md, "Live stream"). */
export function liveChannel(options: { schema?: string }): string {
  return options.schema === undefined ? 'sluice_live' : `sluice_live_${options.schema}`;
}
