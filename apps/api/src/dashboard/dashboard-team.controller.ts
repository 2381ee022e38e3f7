import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ForbiddenError, NotFoundError } from '@ataa/common';
import { localeFor } from '@ataa/notifications';
import {
  API_KEY_ROLES, ApiKey, ApiKeysService, AuditService, CreateApiKeyDto, CreateInvitationDto, isRole, isUuid, MembersService, ROLES, roleAllows,
  type AuditActor, type MemberView, type PageUser, type Principal, type Role,
} from '@ataa/organizations';
import { csrfTokenValid } from '../campaign-pages/csrf.setup.js';
import { fillIsolated, fillIsolatedText } from '../http/isolate.js';
import { createValidationPipe } from '../http/validation.js';
import { DASHBOARD_PATH, DashboardContext, FormRefusal, toRefusal, type DashboardOrganization, type PageRequest } from './dashboard-context.js';
import { DASHBOARD_MESSAGES, type DashboardLanguage } from './dashboard-messages.js';
import {
  apiKeyFieldCode, auditQuery, detailLines, inviteFieldCode, readApiKeyForm, readAuditFilter, readInviteForm,
  type ApiKeyFormValues, type FieldErrors, type InviteFormValues,
} from './team-form.js';
import { TEAM_ERRORS, TEAM_MESSAGES } from './team-messages.js';

/** The API's role rules: members are any member's to see (MembersController); the rest is the owner's; the audit log owner/admin (AuditController). */
const OWNER: readonly Role[] = ['owner'];
const AUDIT_ROLES: readonly Role[] = ['admin'];
const AUDIT_PAGE_SIZE = 50;
const DONE_KEYS = ['invited', 'role', 'removed', 'revoked', 'keyRevoked'] as const;

type SignedIn = PageRequest & { user: PageUser };

/** What a refused form on the team page shows: the invitation form's values and errors, or one member row's. */
interface TeamPageState {
  invite?: { values: InviteFormValues; errors: FieldErrors; code: string };
  role?: { membershipId: string; value: string; code: string };
  code?: string;
}

/**
 * The Team section: members and their roles, invitations (sent through MembersService, the outbox
 * e-mails them), role changes and removals, API keys (the secret shown once, on the creation's own
 * answer) and the audit log with filters. Same services and role rules as the REST API; the bodies
 * go through the API's validation pipe and DTOs (CreateInvitationDto, CreateApiKeyDto).
 */
@ApiExcludeController()
@Controller('dashboard/o/:organizationId/team')
export class DashboardTeamController {
  private readonly validation = createValidationPipe();

  constructor(
    private readonly pages: DashboardContext,
    private readonly members: MembersService,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  async team(@Param('organizationId') organizationId: string, @Query('done') done: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.signedIn(request, reply);
    if (!page) return;
    const organization = await this.pages.membership(page.user, organizationId);
    const notice = typeof done === 'string' && (DONE_KEYS as readonly string[]).includes(done) ? TEAM_MESSAGES[page.language].done[done as (typeof DONE_KEYS)[number]] : null;
    return this.teamPage(page, organization, 200, {}, notice);
  }

  @Post('invitations')
  async invite(@Param('organizationId') organizationId: string, @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.signedIn(request, reply);
    if (!page) return;
    const organization = await this.owner(page, organizationId);
    const values = readInviteForm(body, page.language);
    const errors: FieldErrors = {};
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      const dto = await this.validate(CreateInvitationDto, { email: values.email, role: values.role, language: values.language }, errors, (field) => inviteFieldCode(field, values));
      await this.members.invite(principalOf(page.user, organization), dto as CreateInvitationDto);
      return this.pages.redirect(reply, `${this.base(organization)}?done=invited`);
    } catch (error) {
      const refusal = toRefusal(error);
      if (refusal.code === 'already_member') errors.email = 'already_member';
      return this.teamPage(page, organization, refusal.status, { invite: { values, errors, code: refusal.code } });
    }
  }

  @Post('invitations/:invitationId/revoke')
  async revokeInvitation(
    @Param('organizationId') organizationId: string, @Param('invitationId') invitationId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.signedIn(request, reply);
    if (!page) return;
    const organization = await this.owner(page, organizationId);
    if (!isUuid(invitationId)) throw new NotFoundError('Invitation');
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      await this.members.revokeInvitation(principalOf(page.user, organization), invitationId);
      return this.pages.redirect(reply, `${this.base(organization)}?done=revoked`);
    } catch (error) {
      const refusal = toRefusal(error);
      if (refusal.status === 404) throw error; // another organization's invitation: the 404 page
      return this.teamPage(page, organization, refusal.status, { code: refusal.code });
    }
  }

  @Post('members/:membershipId/role')
  async changeRole(
    @Param('organizationId') organizationId: string, @Param('membershipId') membershipId: string, @Body() body: Record<string, unknown> | undefined,
    @Req() request: FastifyRequest, @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.signedIn(request, reply);
    if (!page) return;
    const organization = await this.owner(page, organizationId);
    const member = await this.member(organization, membershipId);
    const role = typeof body?.role === 'string' ? body.role.slice(0, 20) : '';
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      // The API's ChangeRoleDto is @IsIn(ROLES): the same rule.
      if (!isRole(role)) throw new FormRefusal('invalid_role', 400);
      await this.members.changeRole(principalOf(page.user, organization), member.id, role);
      return this.pages.redirect(reply, `${this.base(organization)}?done=role`);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.teamPage(page, organization, refusal.status, { role: { membershipId: member.id, value: role, code: refusal.code } });
    }
  }

  @Get('members/:membershipId/remove')
  async confirmRemove(@Param('organizationId') organizationId: string, @Param('membershipId') membershipId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.signedIn(request, reply);
    if (!page) return;
    const organization = await this.owner(page, organizationId);
    const member = await this.member(organization, membershipId);
    return this.removeConfirmation(page, organization, member, 200, null);
  }

  @Post('members/:membershipId/remove')
  async remove(@Param('organizationId') organizationId: string, @Param('membershipId') membershipId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.signedIn(request, reply);
    if (!page) return;
    const organization = await this.owner(page, organizationId);
    const member = await this.member(organization, membershipId);
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      await this.members.remove(principalOf(page.user, organization), member.id);
      // Someone who removed themselves has no team page any more.
      return this.pages.redirect(reply, member.userId === page.user.userId ? DASHBOARD_PATH : `${this.base(organization)}?done=removed`);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.removeConfirmation(page, organization, member, refusal.status, refusal.code);
    }
  }

  @Get('api-keys')
  async apiKeysPage(@Param('organizationId') organizationId: string, @Query('done') done: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.signedIn(request, reply);
    if (!page) return;
    const organization = await this.owner(page, organizationId);
    const notice = done === 'keyRevoked' ? TEAM_MESSAGES[page.language].done.keyRevoked : null;
    return this.keysPage(page, organization, 200, { name: '', role: 'viewer' }, {}, null, notice);
  }

  /** Creates a key and answers with the page showing its secret: the only time it is shown (no redirect, so it is never in a URL). */
  @Post('api-keys')
  async createApiKey(@Param('organizationId') organizationId: string, @Body() body: Record<string, unknown> | undefined, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.signedIn(request, reply);
    if (!page) return;
    const organization = await this.owner(page, organizationId);
    const values = readApiKeyForm(body);
    const errors: FieldErrors = {};
    let created: { apiKey: ApiKey; secret: string };
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      const dto = await this.validate(CreateApiKeyDto, { name: values.name, role: values.role }, errors, (field) => apiKeyFieldCode(field, values));
      created = await this.apiKeys.create(principalOf(page.user, organization), dto as CreateApiKeyDto);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.keysPage(page, organization, refusal.status, values, errors, refusal.code, null);
    }
    const m = TEAM_MESSAGES[page.language];
    const t = DASHBOARD_MESSAGES[page.language];
    // render() sets cache-control: no-store; the secret must not stay in any cache either.
    void reply.header('pragma', 'no-cache');
    return this.pages.render(page, 'team-api-key-created', { title: m.keyCreatedTitle, organization, section: 'team' }, {
      m, heading: m.keyCreatedTitle, keyLabel: fillIsolated(m.keyLabel, { name: created.apiKey.name }), secret: created.secret,
      role: t.roles[created.apiKey.role], continueHref: `${this.base(organization)}/api-keys`,
    });
  }

  @Get('api-keys/:apiKeyId/revoke')
  async confirmRevokeKey(@Param('organizationId') organizationId: string, @Param('apiKeyId') apiKeyId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.signedIn(request, reply);
    if (!page) return;
    const organization = await this.owner(page, organizationId);
    const apiKey = await this.apiKey(organization, apiKeyId);
    return this.revokeKeyConfirmation(page, organization, apiKey, 200, null);
  }

  @Post('api-keys/:apiKeyId/revoke')
  async revokeKey(@Param('organizationId') organizationId: string, @Param('apiKeyId') apiKeyId: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.signedIn(request, reply);
    if (!page) return;
    const organization = await this.owner(page, organizationId);
    const apiKey = await this.apiKey(organization, apiKeyId);
    try {
      if (!(await csrfTokenValid(request))) throw new FormRefusal('csrf', 403);
      await this.apiKeys.revoke(principalOf(page.user, organization), apiKey.id);
      return this.pages.redirect(reply, `${this.base(organization)}/api-keys?done=keyRevoked`);
    } catch (error) {
      const refusal = toRefusal(error);
      return this.revokeKeyConfirmation(page, organization, apiKey, refusal.status, refusal.code);
    }
  }

  @Get('audit')
  async auditLog(@Param('organizationId') organizationId: string, @Query() query: Record<string, unknown>, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.signedIn(request, reply);
    if (!page) return;
    const organization = await this.pages.membership(page.user, organizationId);
    if (!roleAllows(organization.role, AUDIT_ROLES)) throw new ForbiddenError();
    const m = TEAM_MESSAGES[page.language];
    const { values, filter, errors } = readAuditFilter(query);
    const [result, choices] = await Promise.all([
      this.audit.list(organization.id, { ...filter, limit: AUDIT_PAGE_SIZE }),
      this.audit.filterChoices(organization.id),
    ]);
    const actorLabels = new Map(choices.actors.map((a) => [a.actor, actorLabel(page.language, a)]));
    const labelOf = (actor: string) => actorLabels.get(actor) ?? actorLabel(page.language, { actor, email: null, apiKeyName: null });
    const actionOf = (action: string) => (m.actions as Record<string, string>)[action] ?? action;
    const when = new Intl.DateTimeFormat(localeFor(page.language), { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
    const actors = choices.actors.map((a) => a.actor);
    if (filter.actor && !actors.includes(filter.actor)) actors.push(filter.actor);
    const actions = [...choices.actions];
    if (filter.action && !actions.includes(filter.action)) actions.push(filter.action);
    const fieldErrors = Object.fromEntries(Object.entries(errors).map(([field, code]) => [field, this.errorText(page.language, code)]));
    const base = `${this.base(organization)}/audit`;
    return this.pages.render(page, 'team-audit', { status: Object.keys(errors).length > 0 ? 400 : 200, title: m.auditTitle, organization, section: 'team' }, {
      m, heading: m.auditTitle, values, errors: fieldErrors, action: base, teamHref: this.base(organization),
      formError: Object.keys(errors).length > 0 ? TEAM_ERRORS[page.language].fieldErrorsTitle : null,
      actorChoices: actors.map((actor) => ({ value: actor, label: labelOf(actor), selected: actor === filter.actor })),
      actionChoices: actions.map((action) => ({ value: action, label: actionOf(action), selected: action === filter.action })),
      filtered: Boolean(filter.actor || filter.action || filter.from || filter.to),
      entries: result.items.map((e) => ({
        when: when.format(e.createdAt), iso: e.createdAt.toISOString(), who: labelOf(e.actor), action: actionOf(e.action), code: e.action,
        target: e.targetType, targetId: e.targetId, details: detailLines(e.details),
      })),
      nextHref: result.nextCursor ? `${base}${auditQuery(values, result.nextCursor)}` : null,
      firstHref: filter.cursor ? `${base}${auditQuery(values)}` : null,
    });
  }

  private async signedIn(request: FastifyRequest, reply: FastifyReply): Promise<SignedIn | null> {
    const page = await this.pages.page(request, reply);
    if (!page.user) {
      this.pages.redirect(reply, `${DASHBOARD_PATH}/sign-in`);
      return null;
    }
    return page as SignedIn;
  }

  /** The organization, if the member is an owner (the 403 page otherwise; another organization's: 404). */
  private async owner(page: SignedIn, organizationId: string): Promise<DashboardOrganization> {
    const organization = await this.pages.membership(page.user, organizationId);
    if (!roleAllows(organization.role, OWNER)) throw new ForbiddenError();
    return organization;
  }

  /** One of the organization's members; a bad id or another organization's membership is 404. */
  private async member(organization: DashboardOrganization, membershipId: string): Promise<MemberView> {
    const found = isUuid(membershipId) ? (await this.members.list(organization.id)).find((m) => m.id === membershipId) : undefined;
    if (!found) throw new NotFoundError('Member');
    return found;
  }

  /** One of the organization's API keys; a bad id or another organization's key is 404. */
  private async apiKey(organization: DashboardOrganization, apiKeyId: string): Promise<ApiKey> {
    const found = isUuid(apiKeyId) ? (await this.apiKeys.list(organization.id)).find((k) => k.id === apiKeyId) : undefined;
    if (!found) throw new NotFoundError('API key');
    return found;
  }

  private base(organization: DashboardOrganization): string {
    return `${DASHBOARD_PATH}/o/${organization.id}/team`;
  }

  private errorText(language: DashboardLanguage, code: string): string {
    return TEAM_ERRORS[language][code] ?? this.pages.errorMessage(language, code);
  }

  /**
   * The API's validation pipe on the API's DTO (the same checks as the REST endpoint); the fields it
   * refuses are marked with `codeOf`'s code. Throws a 400 refusal when any field is wrong.
   */
  private async validate(metatype: typeof CreateInvitationDto | typeof CreateApiKeyDto, input: Record<string, unknown>, errors: FieldErrors, codeOf: (field: string) => string | null): Promise<unknown> {
    try {
      return await this.validation.transform(input, { type: 'body', metatype });
    } catch (error) {
      const fields = error instanceof DomainError ? (error.details?.errors as { field: string }[] | undefined) : undefined;
      if (!fields) throw error;
      for (const { field } of fields) {
        const name = field.split('.')[0];
        const code = codeOf(name);
        if (code && !errors[name]) errors[name] = code;
      }
      throw Object.keys(errors).length > 0 ? new FormRefusal('validation_failed', 400) : error;
    }
  }

  private async teamPage(page: SignedIn, organization: DashboardOrganization, status: number, state: TeamPageState, notice: string | null = null): Promise<void> {
    const m = TEAM_MESSAGES[page.language];
    const t = DASHBOARD_MESSAGES[page.language];
    const isOwner = roleAllows(organization.role, OWNER);
    const date = new Intl.DateTimeFormat(localeFor(page.language), { dateStyle: 'medium', timeZone: 'UTC' });
    const base = this.base(organization);
    const [members, invitations] = await Promise.all([
      this.members.list(organization.id),
      isOwner ? this.members.listInvitations(organization.id) : Promise.resolve([]),
    ]);
    const now = new Date();
    const roleState = state.role;
    const roleError = roleState && roleState.code !== 'csrf' ? this.errorText(page.language, roleState.code) : null;
    const invite = state.invite ?? { values: { email: '', role: 'viewer', language: page.language }, errors: {}, code: '' };
    const inviteErrors = Object.fromEntries(Object.entries(invite.errors).map(([field, code]) => [field, this.errorText(page.language, code)]));
    const inviteFieldError = Object.keys(inviteErrors).length > 0;
    // A refusal with no field of its own (CSRF, last owner...) is said at the top of the page.
    const formCode = state.code ?? (roleState?.code === 'csrf' ? 'csrf' : null) ?? (invite.code && !inviteFieldError ? invite.code : null);
    return this.pages.render(page, 'team', { status, title: m.title, organization, section: 'team' }, {
      m, heading: m.title, notice, isOwner, canAudit: roleAllows(organization.role, AUDIT_ROLES),
      formError: formCode ? this.errorText(page.language, formCode) : null,
      members: members.map((member) => {
        const name = member.displayName ? `${member.displayName} (${member.email})` : member.email;
        const rowError = roleState?.membershipId === member.id ? roleError : null;
        const shownRole = rowError && isRole(roleState!.value) ? roleState!.value : member.role;
        return {
          id: member.id, email: member.email, name: member.displayName, self: member.userId === page.user.userId, role: t.roles[member.role], roleKey: member.role,
          since: date.format(member.createdAt), sinceIso: member.createdAt.toISOString(),
          roleAction: `${base}/members/${member.id}/role`, removeHref: `${base}/members/${member.id}/remove`,
          roleLabel: fillIsolatedText(m.roleOf, { member: name }), removeLabel: fillIsolatedText(m.removeLabel, { member: name }),
          roles: ROLES.map((r) => ({ value: r, label: t.roles[r], selected: r === shownRole })),
          error: rowError,
        };
      }),
      invite: {
        action: `${base}/invitations`, values: invite.values, errors: inviteErrors,
        formError: inviteFieldError ? TEAM_ERRORS[page.language].fieldErrorsTitle : null,
        errorList: ['email', 'role', 'language'].filter((f) => inviteErrors[f]).map((f) => ({ field: f === 'role' ? 'invite-role-viewer' : f === 'language' ? 'invite-language' : 'invite-email', message: inviteErrors[f] })),
        roles: ROLES.map((r) => ({ value: r, label: t.roles[r], hint: m.roleHints[r], id: `invite-role-${r}`, checked: r === invite.values.role })),
        languages: (['en', 'ar'] as const).map((l) => ({ value: l, label: m.languages[l], selected: l === invite.values.language })),
      },
      invitations: invitations.filter((i) => !i.acceptedAt && !i.revokedAt && i.expiresAt > now).map((i) => ({
        id: i.id, email: i.email, role: t.roles[i.role], expires: date.format(i.expiresAt), expiresIso: i.expiresAt.toISOString(),
        revokeAction: `${base}/invitations/${i.id}/revoke`, revokeLabel: fillIsolatedText(m.revokeInvitation, { email: i.email }),
      })),
      apiKeysHref: isOwner ? `${base}/api-keys` : null,
      auditHref: roleAllows(organization.role, AUDIT_ROLES) ? `${base}/audit` : null,
    });
  }

  private keysPage(page: SignedIn, organization: DashboardOrganization, status: number, values: ApiKeyFormValues, fieldErrors: FieldErrors, code: string | null, notice: string | null): Promise<void> {
    return this.apiKeys.list(organization.id).then((keys) => {
      const m = TEAM_MESSAGES[page.language];
      const t = DASHBOARD_MESSAGES[page.language];
      const date = new Intl.DateTimeFormat(localeFor(page.language), { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
      const base = this.base(organization);
      const errors = Object.fromEntries(Object.entries(fieldErrors).map(([field, k]) => [field, this.errorText(page.language, k)]));
      const fieldError = Object.keys(errors).length > 0;
      return this.pages.render(page, 'team-api-keys', { status, title: m.apiKeysTitle, organization, section: 'team' }, {
        m, heading: m.apiKeysTitle, notice, teamHref: base, action: `${base}/api-keys`, values, errors,
        formError: code === null ? null : fieldError ? TEAM_ERRORS[page.language].fieldErrorsTitle : this.errorText(page.language, code),
        errorList: ['name', 'role'].filter((f) => errors[f]).map((f) => ({ field: f === 'role' ? 'key-role-admin' : 'key-name', message: errors[f] })),
        roles: API_KEY_ROLES.map((r) => ({ value: r, label: t.roles[r], hint: m.roleHints[r], id: `key-role-${r}`, checked: r === values.role })),
        keys: keys.map((k) => ({
          id: k.id, name: k.name, role: t.roles[k.role], prefix: k.keyPrefix,
          created: date.format(k.createdAt), createdIso: k.createdAt.toISOString(),
          lastUsed: k.lastUsedAt ? date.format(k.lastUsedAt) : null, lastUsedIso: k.lastUsedAt?.toISOString(),
          revoked: k.revokedAt !== null,
          revokeHref: k.revokedAt ? null : `${base}/api-keys/${k.id}/revoke`, revokeLabel: fillIsolatedText(m.revokeKeyLabel, { name: k.name }),
        })),
      });
    });
  }

  private removeConfirmation(page: SignedIn, organization: DashboardOrganization, member: MemberView, status: number, code: string | null): Promise<void> {
    const m = TEAM_MESSAGES[page.language];
    const name = member.displayName ? `${member.displayName} (${member.email})` : member.email;
    const base = this.base(organization);
    return this.pages.render(page, 'team-confirm', { status, title: fillIsolatedText(m.removeTitle, { member: name }), organization, section: 'team' }, {
      heading: fillIsolated(m.removeTitle, { member: name }), effect: m.removeEffect, note: member.userId === page.user.userId ? m.removeSelf : null,
      error: code ? this.errorText(page.language, code) : null, formAction: `${base}/members/${member.id}/remove`, submit: m.removeSubmit, backHref: base, backLabel: m.cancelLink,
    });
  }

  private revokeKeyConfirmation(page: SignedIn, organization: DashboardOrganization, apiKey: ApiKey, status: number, code: string | null): Promise<void> {
    const m = TEAM_MESSAGES[page.language];
    const base = `${this.base(organization)}/api-keys`;
    return this.pages.render(page, 'team-confirm', { status, title: fillIsolatedText(m.revokeKeyTitle, { name: apiKey.name }), organization, section: 'team' }, {
      heading: fillIsolated(m.revokeKeyTitle, { name: apiKey.name }), effect: m.revokeKeyEffect, note: null,
      error: code ? this.errorText(page.language, code) : null, formAction: apiKey.revokedAt ? null : `${base}/${apiKey.id}/revoke`, submit: m.revokeKeySubmit,
      backHref: base, backLabel: m.cancelLink,
    });
  }
}

function principalOf(user: PageUser, organization: DashboardOrganization): Principal {
  return { organizationId: organization.id, role: organization.role, userId: user.userId, apiKeyId: null, actor: user.actor };
}

/** Who an audit actor is, in words: a user's e-mail, an API key's name, or the kind of actor. */
function actorLabel(language: DashboardLanguage, actor: AuditActor): string {
  const m = TEAM_MESSAGES[language];
  if (actor.actor.startsWith('user:')) return actor.email ?? m.actors.formerMember;
  if (actor.actor.startsWith('api_key:')) return m.actors.apiKey.replace('{name}', actor.apiKeyName ?? actor.actor.slice('api_key:'.length, 'api_key:'.length + 8));
  return (m.actors as Record<string, string>)[actor.actor] ?? actor.actor;
}
