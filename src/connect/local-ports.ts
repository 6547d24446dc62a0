// Local ports for the forwards: the usual ones (4200, 8080) when free, so bookmarks and the
// UI's default API URL keep working; another free one, said out loud, when something holds them.
import { createServer } from 'node:net';
import { UserError } from '../errors.js';

/** True when nothing listens on 127.0.0.1:`port` (checked by binding it for a moment). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

export interface PortChoice {
  /** The port to ask kubectl for; 0 lets kubectl pick a free one. */
  port: number;
  /** Set when the preferred port was taken and another one is used instead. */
  note?: string;
}

/**
 * The preferred port if free. A default that is taken falls back to any free port (with a note);
 * a port the user chose with a flag is never silently replaced.
 */
export async function chooseLocalPort(
  what: string,
  flag: string,
  preferred: number,
  chosenByUser: boolean,
  isFree: (port: number) => Promise<boolean> = isPortFree,
): Promise<PortChoice> {
  if (await isFree(preferred)) return { port: preferred };
  if (chosenByUser) {
    throw new UserError(`${flag} ${preferred}: another program is listening on that port.`, {
      hint: `Choose another port, or leave out ${flag} to have a free one picked.`,
    });
  }
  return { port: 0, note: `port ${preferred} is in use, so the ${what} gets another free port` };
}
