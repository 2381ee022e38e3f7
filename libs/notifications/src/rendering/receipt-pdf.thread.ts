/**
 * A receipt-rendering thread (ReceiptPdfPool, piscina): loads the fonts once when the thread starts,
 * then renders one receipt per task. Imports nothing of the platform but the renderer, so a thread
 * starts in milliseconds. Built to dist/ like every module; run from the TypeScript sources (tests)
 * through receipt-pdf.thread.source.mjs.
 */
import type { ReceiptView } from '../domain/receipt-view.js';
import type { StatementView } from '../domain/statement-view.js';
import { loadReceiptFonts, ReceiptPdfRenderer } from './receipt-pdf.js';
import { StatementPdfRenderer } from './statement-pdf.js';

/** A receipt (`view`) or a donor's statement (`statement`, issue 20), drawn with the same fonts. */
export type ReceiptPdfTask = { view: ReceiptView; creationDate?: Date } | { statement: StatementView; creationDate?: Date };

loadReceiptFonts();
const renderer = new ReceiptPdfRenderer();
const statements = new StatementPdfRenderer();

/** The PDF's bytes (copied to the calling thread: a receipt is tens of kilobytes). */
export default async function renderReceiptPdf(task: ReceiptPdfTask): Promise<Uint8Array> {
  if ('statement' in task) return statements.render(task.statement, { creationDate: task.creationDate });
  return renderer.render(task.view, { creationDate: task.creationDate });
}
