import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsString, Matches } from 'class-validator';
import { USER_ID_PATTERN } from '@lib/contracts';
import { ADMIN_ROLE } from './auth-user';
import { IsOmittable } from '../common/validation.decorators';

export class DevTokenRequestDto {
  @ApiProperty({ example: 'alice', description: 'Becomes the token subject (user id).' })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'must be 1-128 characters of A-Z a-z 0-9 . _ @ | : -' })
  userId!: string;

  @ApiPropertyOptional({ example: ['admin'], type: [String] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(4)
  @IsIn([ADMIN_ROLE], { each: true })
  roles?: string[];
}

export class DevTokenResponseDto {
  @ApiProperty() token!: string;
  @ApiProperty() expiresAt!: string;
}
