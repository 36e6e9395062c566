import { ValidateIf } from 'class-validator';

/**
 * An optional body field: it may be left out, and when it is given it is validated, null
 * included. class-validator's IsOptional skips null too, so a `null` passed every check and
 * reached a NOT NULL column as a database error (a 500; the long fuzz run, seed 1:
 * `PATCH /api/teams/{id} {"minOnDuty":null}`). IsOptional stays where the service reads a null
 * as absent (`?? default`, a nullable column); a field where null means something says so with
 * its own ValidateIf.
 */
export const Omittable = (): PropertyDecorator => ValidateIf((_, value) => value !== undefined);
