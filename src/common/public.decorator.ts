import { SetMetadata } from '@nestjs/common';

export const PUBLIC_KEY = 'pulsedesk:public';

/**
 * The route needs no credential (health, Slack endpoints, OAuth callbacks). In common/ so that
 * shared code (slack/) can mark its routes without importing the auth feature; the guard reads it.
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);
