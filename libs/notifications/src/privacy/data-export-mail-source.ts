/**
 * What the data-export e-mail needs, read when it is sent. The privacy lib provides it under
 * DATA_EXPORT_MAIL_SOURCE and signs the link there again (the link is never stored).
 */
export const DATA_EXPORT_MAIL_SOURCE = Symbol.for('ataa.notifications.DataExportMailSource');

/** `nothing_held`: no gift from this address; no e-mail is sent (the form's answer was the same). */
export type DataExportMailStatus = 'pending' | 'used' | 'expired' | 'nothing_held';

export interface DataExportMailData {
  requestId: string;
  email: string;
  language: 'en' | 'ar';
  expiresAt: Date;
  status: DataExportMailStatus;
  /** The signed, single-use link (the public base URL's /privacy/export/download?token=...). */
  downloadUrl: string;
}

export interface DataExportMailSource {
  load(requestId: string): Promise<DataExportMailData | null>;
}
