/** The parts of DocSpace's JSON the tool reads. */
export interface EmployeeDto {
  readonly id: string;
  readonly displayName: string;
  readonly email?: string;
  readonly status?: number;
  readonly isVisitor?: boolean;
  readonly isOwner?: boolean;
  readonly isAdmin?: boolean;
  readonly isRoomAdmin?: boolean;
}

export interface ApiKeyDto {
  readonly permissions?: readonly string[];
  readonly expiresAt?: string;
  readonly isActive?: boolean;
}

export interface VersionDto {
  readonly docSpace?: string;
}
