import { Body, Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import {
  AuthService, ChangePasswordDto, CurrentUser, LoginDto, RefreshDto, SignupRateLimitGuard, SignUpDto, TokenPairDto, UserAuthGuard, UserDto, type UserPrincipal,
} from '@ataa/organizations';
import { ApiProblems } from '../organizations/api-docs.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('signup')
  @ApiOperation({ summary: 'Create a user account and sign in', description: 'Rate-limited per client address. A taken e-mail gets the same generic `signup_failed` as other refusals.' })
  @ApiCreatedResponse({ type: TokenPairDto })
  @UseGuards(SignupRateLimitGuard)
  @ApiProblems(400, 429)
  signUp(@Body() body: SignUpDto): Promise<TokenPairDto> {
    return this.auth.signUp(body);
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with e-mail and password', description: 'Failed attempts are rate-limited per address and e-mail, per address, and per account from any address (429 `rate_limited`; a locked account refuses even the right password until the lock ends). Unknown e-mail and wrong password give the same 401 `invalid_credentials`. An account with two-factor sign-in on (set up on the dashboard) also needs `totpCode`: a current authenticator code (each accepted once) or a recovery code (each works once); without it 401 `totp_required`, a wrong one 401 `invalid_totp_code` (wrong codes are rate-limited per account, 429 `rate_limited`).' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(400, 401, 429)
  login(@Body() body: LoginDto, @Req() request: FastifyRequest): Promise<TokenPairDto> {
    return this.auth.login(body, request.ip);
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a refresh token for new tokens', description: 'Refresh tokens are single-use; presenting a used one ends the session.' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(400, 401)
  refresh(@Body() body: RefreshDto): Promise<TokenPairDto> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @UseGuards(UserAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'End the current session (its access and refresh tokens stop working)' })
  @ApiNoContentResponse()
  @ApiProblems(401)
  async logout(@CurrentUser() user: UserPrincipal): Promise<void> {
    await this.auth.logout(user.sessionId);
  }

  @Post('password')
  @HttpCode(200)
  @UseGuards(UserAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Change the password', description: 'Ends every session of the user and returns a new one.' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(400, 401)
  changePassword(@CurrentUser() user: UserPrincipal, @Body() body: ChangePasswordDto): Promise<TokenPairDto> {
    return this.auth.changePassword(user.userId, body);
  }

  @Get('me')
  @UseGuards(UserAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(401)
  me(@CurrentUser() user: UserPrincipal): UserDto {
    return { id: user.userId, email: user.email, displayName: user.displayName ?? null };
  }
}
