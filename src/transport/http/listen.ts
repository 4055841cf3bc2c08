/** Listening, with a clear message naming the flag to change when the port is taken (issue 2 §1). */
import type { FastifyInstance } from 'fastify';
import { ParapetError } from '../../core/errors.js';

/** `flag`: the CLI option that sets this port (`--http-port`), named in the error. */
export async function listen(app: FastifyInstance, host: string, port: number, flag: string): Promise<void> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ParapetError('invalid_config', `port ${port} on ${host} is already in use; choose another with ${flag}`);
    if (code === 'EACCES') throw new ParapetError('invalid_config', `not allowed to listen on ${host}:${port}; choose another port with ${flag}`);
    throw err;
  }
}
