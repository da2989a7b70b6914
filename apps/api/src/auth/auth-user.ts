export interface AuthUser {
  id: string;
  roles: string[];
}

export const ADMIN_ROLE = 'admin';
