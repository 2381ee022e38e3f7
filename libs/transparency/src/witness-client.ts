import { Injectable } from '@nestjs/common';
import { AppConfig } from '@ataa/config';

/** A witness's answer as received: status, content type, body (text). */
export interface WitnessResponse {
  status: number;
  contentType: string | null;
  body: string;
}

/** A witness's answer is a few signature lines or a size: anything longer is not one. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * The HTTP adapter for C2SP tlog-witness: POST <prefix>/add-checkpoint. Every call is bounded by
 * TRANSPARENCY_WITNESS_TIMEOUT_MS (connecting, sending and reading the answer); no redirects are
 * followed (a witness is configured by its exact URL). Throws when the witness cannot be reached.
 */
@Injectable()
export class WitnessClient {
  private readonly timeoutMs: number;

  constructor(config: AppConfig) {
    this.timeoutMs = config.TRANSPARENCY_WITNESS_TIMEOUT_MS;
  }

  async addCheckpoint(prefix: string, body: string): Promise<WitnessResponse> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await fetch(`${prefix}/add-checkpoint`, {
        method: 'POST', body, signal, redirect: 'manual',
        headers: { 'content-type': 'text/plain; charset=utf-8', accept: 'text/plain, text/x.tlog.size' },
      });
      const declared = Number(response.headers.get('content-length') ?? 0);
      if (declared > MAX_ANSWER_BYTES) {
        await response.body?.cancel();
        return { status: response.status, contentType: response.headers.get('content-type'), body: '' };
      }
      const bytes = Buffer.from(await response.arrayBuffer());
      return { status: response.status, contentType: response.headers.get('content-type'), body: bytes.subarray(0, MAX_ANSWER_BYTES).toString('utf8') };
    } catch (error) {
      if (signal.aborted) throw new Error(`no answer within ${this.timeoutMs} ms`);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`unreachable (${cause?.code ?? cause?.message ?? (error as Error).message})`);
    }
  }
}
