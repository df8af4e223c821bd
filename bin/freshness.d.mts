/** The latest modification time (ms) of any file under `root`/src. */
export function newestSource(root: string): number;
/** Whether `root`/dist was built from the sources as they are now. */
export function distIsFresh(root: string): boolean;
