import type { FastifyRequest } from 'fastify';

/** An uploaded file of a multipart form: its bytes (cut at the size limit) and whether they were cut. */
export interface UploadedFile {
  bytes: Buffer;
  truncated: boolean;
}

/**
 * Reads a multipart/form-data request (the caller checked request.isMultipart()): its text fields
 * (the first of each name) and the file sent as `fileField`, held in memory up to the limits set where
 * multipart is registered (create-api-app.ts: COVER_IMAGE_MAX_BYTES, one file). An over-long file is
 * cut and marked truncated rather than thrown, so the rest of the form is still read and can be shown
 * again. A form sent without choosing a file carries an empty, nameless part: that is no file.
 */
export async function readUploadForm(request: FastifyRequest, fileField: string): Promise<{ fields: Record<string, unknown>; file: UploadedFile | null }> {
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let file: UploadedFile | null = null;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const bytes = await part.toBuffer();
      if (part.fieldname === fileField && (part.filename !== '' || bytes.length > 0)) file = { bytes, truncated: part.file.truncated };
    } else if (typeof part.value === 'string' && !(part.fieldname in fields)) {
      fields[part.fieldname] = part.value;
    }
  }
  return { fields, file };
}
