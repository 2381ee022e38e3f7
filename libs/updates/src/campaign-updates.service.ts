import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { DomainError, NotFoundError, requireUserText } from '@ataa/common';
import { TransactionRunner } from '@ataa/database';
import { OutboxService } from '@ataa/notifications';
import { AuditService } from '@ataa/organizations';
import { CoverImagesService, isCoverImageKey, type CoverImageProblem } from '@ataa/campaigns';
import { PLAIN_IMAGE_ALT, renderUpdateBody, UPDATE_BODY_MAX, UPDATE_IMAGE_ALT_MAX, UPDATE_TITLE_MAX } from './domain/update-body.js';
import { UpdateRow, UpdatesRepository } from './persistence/updates.repository.js';

/** What an organization types for an update (title and Markdown body; image already stored). */
export interface UpdateInput {
  language?: 'en' | 'ar';
  title: string;
  body: string;
  /** A stored image (`<sha256>.<ext>`: uploaded through storeImage or the cover upload), or null for none. */
  imageKey?: string | null;
  /** What the image shows, for screen readers (its `alt`): required with an image, refused without one. */
  imageAlt?: string | null;
}

/** Who acts, for the organization check and the audit log. */
export interface UpdateActor {
  organizationId: string;
  actor: string;
}

/** An image file as read from a multipart upload (cut at the size limit: `truncated`). */
export interface UploadedUpdateImage {
  bytes: Buffer;
  truncated: boolean;
}

/** How each refusal of an uploaded image leaves the API. */
const IMAGE_PROBLEMS: Readonly<Record<CoverImageProblem, { status: number; message: string }>> = {
  image_empty: { status: 400, message: 'The file is empty' },
  image_too_large: { status: 413, message: 'The image file is too large' },
  image_type: { status: 415, message: 'Only JPEG, PNG and WebP images are accepted (checked by their content, not their name)' },
  image_dimensions: { status: 400, message: 'The image must be between 16 and 8000 pixels on each side (at most 40 million pixels)' },
};

export interface UpdateListPage {
  items: UpdateRow[];
  nextCursor: string | null;
}

/**
 * Campaign updates on the organization's side: drafts, publication (first publication sets the
 * published time for good and queues the e-mail to opted-in donors, once), edits (keeping the
 * published time), unpublishing and deletion. Every change is in the audit log in its own
 * transaction. Another organization's campaign or update is a 404.
 */
@Injectable()
export class CampaignUpdatesService {
  constructor(
    private readonly repository: UpdatesRepository,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly images: CoverImagesService,
  ) {}

  /**
   * Stores an image for the campaign's updates through the cover-image store (checked by its bytes:
   * JPEG, PNG or WebP, size and dimension limits); a refused file stores nothing. The answer's key is
   * what an update's `imageKey` takes. Keys are content hashes, so the same bytes are one file.
   */
  async storeImage(organizationId: string, campaignId: string, file: UploadedUpdateImage | null): Promise<{ imageKey: string; url: string }> {
    await this.assertCampaignOfOrganization(organizationId, campaignId);
    if (!file) throw new DomainError('validation_failed', 'send the image as the multipart field `file`', 400, { field: 'file' });
    const inspected = this.images.inspectUpload(file);
    if (!inspected.ok) {
      const { status, message } = IMAGE_PROBLEMS[inspected.problem];
      throw new DomainError(inspected.problem, message, status, { field: 'file', ...(inspected.problem === 'image_too_large' ? { maxBytes: this.images.maxBytes } : {}) });
    }
    const stored = await this.images.store(inspected.image);
    return { imageKey: stored.key, url: stored.url };
  }

  async create(who: UpdateActor, campaignId: string, input: UpdateInput, options: { publish?: boolean } = {}): Promise<UpdateRow> {
    const campaign = await this.repository.findCampaignOfOrganization(who.organizationId, campaignId);
    if (!campaign) throw new NotFoundError('Campaign', 'campaign_not_found');
    const fields = await this.fields(input, campaign.language);
    return this.transactions.run(async (m) => {
      const id = randomUUID();
      const created = await this.repository.insert(m, {
        id, organizationId: who.organizationId, campaignId, ...fields, status: 'draft', publishedAt: null, createdBy: who.actor,
      });
      await this.audit.record(m, { organizationId: who.organizationId, actor: who.actor, action: 'campaign_update.created', targetType: 'campaign_update', targetId: id, details: { campaignId } });
      return options.publish ? this.publishLocked(m, who, created) : created;
    });
  }

  async edit(who: UpdateActor, campaignId: string, updateId: string, input: UpdateInput): Promise<UpdateRow> {
    const campaign = await this.repository.findCampaignOfOrganization(who.organizationId, campaignId);
    if (!campaign) throw new NotFoundError('Campaign', 'campaign_not_found');
    const fields = await this.fields(input, campaign.language);
    return this.transactions.run(async (m) => {
      const found = await this.repository.find(who.organizationId, campaignId, updateId, m, true);
      if (!found) throw new NotFoundError('Update', 'update_not_found');
      // The published time is kept: an edit corrects an update, it does not post a new one (and e-mails nobody).
      const saved = await this.repository.save(m, updateId, { ...fields, status: found.status, publishedAt: found.publishedAt });
      await this.audit.record(m, { organizationId: who.organizationId, actor: who.actor, action: 'campaign_update.edited', targetType: 'campaign_update', targetId: updateId, details: { campaignId, status: found.status } });
      return saved;
    });
  }

  async publish(who: UpdateActor, campaignId: string, updateId: string): Promise<UpdateRow> {
    return this.transactions.run(async (m) => {
      const found = await this.repository.find(who.organizationId, campaignId, updateId, m, true);
      if (!found) throw new NotFoundError('Update', 'update_not_found');
      if (found.status === 'published') throw new DomainError('update_already_published', 'This update is already published', 409);
      return this.publishLocked(m, who, found);
    });
  }

  async unpublish(who: UpdateActor, campaignId: string, updateId: string): Promise<UpdateRow> {
    return this.transactions.run(async (m) => {
      const found = await this.repository.find(who.organizationId, campaignId, updateId, m, true);
      if (!found) throw new NotFoundError('Update', 'update_not_found');
      if (found.status !== 'published') throw new DomainError('update_not_published', 'Only a published update can be unpublished', 409);
      const saved = await this.repository.save(m, updateId, { ...found, status: 'unpublished' });
      await this.audit.record(m, { organizationId: who.organizationId, actor: who.actor, action: 'campaign_update.unpublished', targetType: 'campaign_update', targetId: updateId, details: { campaignId } });
      return saved;
    });
  }

  /** Deletes the update (its e-mail stops: batches not sent yet find it gone). */
  async delete(who: UpdateActor, campaignId: string, updateId: string): Promise<void> {
    await this.transactions.run(async (m) => {
      const found = await this.repository.find(who.organizationId, campaignId, updateId, m, true);
      if (!found) throw new NotFoundError('Update', 'update_not_found');
      await this.repository.delete(m, updateId);
      await this.audit.record(m, { organizationId: who.organizationId, actor: who.actor, action: 'campaign_update.deleted', targetType: 'campaign_update', targetId: updateId, details: { campaignId, title: found.title, status: found.status } });
    });
  }

  /** Throws the 404 when the campaign is not the organization's (the REST guard asks before reading any body). */
  async assertCampaignOfOrganization(organizationId: string, campaignId: string): Promise<void> {
    if (!(await this.repository.findCampaignOfOrganization(organizationId, campaignId))) throw new NotFoundError('Campaign', 'campaign_not_found');
  }

  async get(organizationId: string, campaignId: string, updateId: string): Promise<UpdateRow> {
    const found = await this.repository.find(organizationId, campaignId, updateId);
    if (!found) throw new NotFoundError('Update', 'update_not_found');
    return found;
  }

  async list(organizationId: string, campaignId: string, options: { limit: number; cursor?: string }): Promise<UpdateListPage> {
    const campaign = await this.repository.findCampaignOfOrganization(organizationId, campaignId);
    if (!campaign) throw new NotFoundError('Campaign', 'campaign_not_found');
    const before = options.cursor ? decodeCursor(options.cursor) : undefined;
    const rows = await this.repository.listForOrganization(organizationId, campaignId, options.limit + 1, before);
    const items = rows.slice(0, options.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > options.limit && last ? encodeCursor(last) : null };
  }

  /** How the update's e-mail went (counts per recipient state). */
  async deliveries(organizationId: string, campaignId: string, updateId: string) {
    await this.get(organizationId, campaignId, updateId);
    return this.repository.deliveryCounts(updateId);
  }

  private async publishLocked(m: EntityManager, who: UpdateActor, found: UpdateRow): Promise<UpdateRow> {
    const first = found.publishedAt === null;
    const saved = await this.repository.save(m, found.id, { ...found, status: 'published', publishedAt: found.publishedAt ?? new Date() });
    // The e-mail goes once per update, at its first publication (the dedupe key holds it to one).
    if (first) await this.outbox.enqueue(m, { kind: 'campaign_update', aggregateId: found.id });
    await this.audit.record(m, { organizationId: who.organizationId, actor: who.actor, action: first ? 'campaign_update.published' : 'campaign_update.republished', targetType: 'campaign_update', targetId: found.id, details: { campaignId: found.campaignId } });
    return saved;
  }

  private async fields(input: UpdateInput, campaignLanguage: 'en' | 'ar') {
    const language = input.language ?? campaignLanguage;
    if (language !== 'en' && language !== 'ar') throw new DomainError('validation_failed', 'language must be en or ar', 400, { field: 'language' });
    const title = requireUserText('title', input.title, { max: UPDATE_TITLE_MAX, min: 1 });
    const bodyMarkdown = requireUserText('body', input.body, { max: UPDATE_BODY_MAX, min: 1, multiline: true });
    const imageKey = input.imageKey ?? null;
    if (imageKey !== null && !isCoverImageKey(imageKey)) throw new DomainError('validation_failed', 'imageKey is not an image key (<sha256>.jpg|png|webp)', 400, { field: 'imageKey' });
    // The description is under the title's text rule, and is plain text (it becomes an attribute's value).
    const imageAlt = input.imageAlt === null || input.imageAlt === undefined ? null : requireUserText('imageAlt', input.imageAlt, { max: UPDATE_IMAGE_ALT_MAX, min: 1 });
    if (imageAlt !== null && !PLAIN_IMAGE_ALT.test(imageAlt)) {
      throw new DomainError('invalid_text', 'imageAlt must be plain text (no < or >)', 400, { field: 'imageAlt', problem: 'markup' });
    }
    // A well-formed key must also name a stored file: upload it first (storeImage).
    if (imageKey !== null && !(await this.images.exists(imageKey))) {
      throw new DomainError('update_image_not_found', 'imageKey names no stored image: upload it first', 422, { field: 'imageKey' });
    }
    // An image is described for screen readers (an empty alt hides a content image); a description needs an image.
    if (imageKey !== null && imageAlt === null) {
      throw new DomainError('update_image_alt_required', 'An image needs imageAlt: say what it shows, for screen readers', 422, { field: 'imageAlt' });
    }
    if (imageKey === null && imageAlt !== null) {
      throw new DomainError('update_image_alt_without_image', 'imageAlt describes an image: give it only with imageKey', 422, { field: 'imageAlt' });
    }
    return { language, title, bodyMarkdown, bodyHtml: renderUpdateBody(bodyMarkdown), imageKey, imageAlt };
  }
}

function encodeCursor(row: UpdateRow): string {
  return Buffer.from(JSON.stringify([new Date(row.createdAt).toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const createdAt = new Date(at);
    if (typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id) && !Number.isNaN(createdAt.getTime())) return { createdAt, id };
  } catch { /* refused below */ }
  throw new DomainError('invalid_cursor', 'The cursor is not one this API gave', 400);
}
