import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { AppConfig } from '@ataa/config';
import type { ReceiptView } from '../domain/receipt-view.js';
import type { StatementView } from '../domain/statement-view.js';
import { ReceiptPdfRenderer, type ReceiptPdfOptions } from './receipt-pdf.js';
import { StatementPdfRenderer } from './statement-pdf.js';
import type { ReceiptPdfTask } from './receipt-pdf.thread.js';

/**
 * The thread entry beside this module: `receipt-pdf.thread.js` when running from dist/ (tsc output);
 * when running from the TypeScript sources (ts-jest), the plain-JavaScript
 * `receipt-pdf.thread.source.mjs`, which compiles the thread's TypeScript in the thread itself.
 */
export function receiptPdfThreadFile(moduleUrl: string = import.meta.url): string {
  const here = fileURLToPath(moduleUrl);
  const dir = path.dirname(here);
  const file = here.endsWith('.ts') ? path.join(dir, 'receipt-pdf.thread.source.mjs') : path.join(dir, 'receipt-pdf.thread.js');
  if (!existsSync(file)) throw new Error(`receipt rendering thread entry not found: ${file}`);
  return file;
}

/**
 * Renders receipt PDFs in worker threads (piscina), so the worker's event loop, which also settles
 * Stripe events, only waits for them (a receipt costs several milliseconds of CPU). RECEIPT_RENDER_THREADS
 * threads are started with the first receipt (a process that never renders one, like the API,
 * starts none), each loading the fonts once. Tasks beyond the threads wait in the pool's queue,
 * bounded by the notifications processor's concurrency.
 *
 * Closed on application shutdown after the receipts being rendered are done. A render asked for
 * after that (a job that was still reading the database when the shutdown began) is done on the
 * calling thread: the receipt is still sent, just not off the event loop.
 */
@Injectable()
export class ReceiptPdfPool implements OnApplicationShutdown {
  private readonly logger = new Logger(ReceiptPdfPool.name);
  private pool: Piscina<ReceiptPdfTask, Uint8Array> | null = null;
  private closing: Promise<void> | null = null;
  private fallback: ReceiptPdfRenderer | null = null;
  private statementFallback: StatementPdfRenderer | null = null;
  private readonly inFlight = new Set<Promise<Uint8Array>>();
  readonly threads: number;

  constructor(config: AppConfig) {
    this.threads = config.RECEIPT_RENDER_THREADS;
  }

  async render(view: ReceiptView, options: ReceiptPdfOptions = {}): Promise<Buffer> {
    if (this.closing) {
      this.fallback ??= new ReceiptPdfRenderer();
      return this.fallback.render(view, options);
    }
    return this.run({ view, creationDate: options.creationDate });
  }

  /** A donor's statement (issue 20), on the same threads (the API starts them with its first statement). */
  async renderStatement(statement: StatementView, options: ReceiptPdfOptions = {}): Promise<Buffer> {
    if (this.closing) {
      this.statementFallback ??= new StatementPdfRenderer();
      return this.statementFallback.render(statement, options);
    }
    return this.run({ statement, creationDate: options.creationDate });
  }

  private async run(input: ReceiptPdfTask): Promise<Buffer> {
    this.pool ??= this.start();
    const task = this.pool.run(input);
    this.inFlight.add(task);
    try {
      const bytes = await task;
      // Structured clone hands a Uint8Array over; wrap it without copying.
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } finally {
      this.inFlight.delete(task);
    }
  }

  /** Threads running now (0 before the first receipt and after close). */
  get runningThreads(): number {
    return this.pool?.threads.length ?? 0;
  }

  /** Lets the receipts being rendered finish, then stops the threads. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // Every receipt asked for, queued ones included, before the threads go.
      await Promise.allSettled([...this.inFlight]);
      const pool = this.pool;
      this.pool = null;
      if (pool) await pool.close();
    })();
    return this.closing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private start(): Piscina<ReceiptPdfTask, Uint8Array> {
    const pool = new Piscina<ReceiptPdfTask, Uint8Array>({
      filename: receiptPdfThreadFile(),
      minThreads: this.threads,
      maxThreads: this.threads,
      // Rendering is synchronous: one receipt at a time per thread; the others queue.
      concurrentTasksPerWorker: 1,
    });
    pool.on('error', (error: unknown) => this.logger.error(`receipt rendering thread failed: ${error instanceof Error ? error.message : String(error)}`));
    return pool;
  }
}
