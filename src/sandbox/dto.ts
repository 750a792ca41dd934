import { EMPTY_GUID, SYSTEM_CATEGORY, type GroupView } from "../portal/model.js";
import { UserStatus, type User } from "../portal/types.js";

/**
 * The JSON DocSpace writes: camelCase, nulls omitted
 * from success bodies, enums as numbers, properties in the server's order.
 */
export interface KeyUser {
  readonly id: string;
  readonly displayName: string;
  readonly email: string;
  readonly isOwner: boolean;
  readonly isAdmin: boolean;
  readonly isRoomAdmin: boolean;
  readonly isVisitor: boolean;
  readonly isCollaborator: boolean;
}

export function employeeDto(user: User | KeyUser): Record<string, unknown> {
  const [firstName = "", ...rest] = user.displayName.split(" ");
  const status = "status" in user ? user.status : UserStatus.Active;
  return {
    id: user.id,
    displayName: user.displayName,
    firstName,
    lastName: rest.join(" "),
    userName: user.email.split("@")[0] ?? "",
    email: user.email,
    status,
    activationStatus: status === UserStatus.Pending ? 2 : 1,
    isAdmin: "isAdmin" in user ? user.isAdmin : false,
    isRoomAdmin: "isRoomAdmin" in user ? user.isRoomAdmin : false,
    isLDAP: false,
    isOwner: "isOwner" in user ? user.isOwner : false,
    isVisitor: user.isVisitor,
    isCollaborator: "isCollaborator" in user ? user.isCollaborator : false,
    isSSO: false,
    hasAvatar: false,
    isAnonim: false,
  };
}

export function groupDto(
  group: GroupView,
  users: (id: string) => User | undefined,
  includeMembers: boolean,
): Record<string, unknown> {
  const manager = group.managerId === null ? undefined : users(group.managerId);
  const dto: Record<string, unknown> = {
    name: group.name,
    parent: EMPTY_GUID,
    category: group.isSystem ? SYSTEM_CATEGORY : EMPTY_GUID,
    id: group.id,
    isLDAP: false,
  };
  if (group.isSystem) dto.isSystem = true;
  if (manager !== undefined) dto.manager = employeeDto(manager);
  if (includeMembers) {
    dto.members = group.memberIds.flatMap((id) => {
      const user = users(id);
      return user === undefined ? [] : [employeeDto(user)];
    });
  }
  dto.membersCount = group.memberIds.length;
  return dto;
}

export const success = (
  response: unknown,
  link: { href: string; action: string },
  total?: number,
): Record<string, unknown> => ({
  response,
  count: Array.isArray(response) ? response.length : 1,
  ...(total === undefined ? {} : { total }),
  links: [link],
  status: 0,
  statusCode: 200,
});

/** `ErrorApiResponse` (§4): written with the web defaults, so nulls appear here. */
export const errorBody = (
  statusCode: number,
  message: string,
  type: string | null,
  frame?: string,
): Record<string, unknown> => ({
  error: {
    message,
    type,
    stack:
      frame === undefined
        ? null
        : `   at ${frame}\n   at Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor.Execute()`,
    hresult: type === null ? 0 : -2146233088,
  },
  status: 1,
  statusCode,
});

export const NOT_FOUND_GROUP = "The group could not be found";
export const NOT_FOUND_USER = "The user could not be found";
export const ACCESS_DENIED = "Access denied";
export const ITEM_NOT_FOUND_TYPE = "ASC.Common.Web.ItemNotFoundException";
export const AUTHORIZING_TYPE = "ASC.Common.Security.Authorizing.AuthorizingException";

/** Model-binding failures (§2 "Validation errors"): a 400 in a success-shaped envelope with status 1. */
export const validationBody = (
  errors: Record<string, string[]>,
  link: { href: string; action: string },
): Record<string, unknown> => ({
  response: {
    type: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
    title: "One or more validation errors occurred.",
    status: 400,
    errors,
    traceId: "00-00000000000000000000000000000000-0000000000000000-00",
  },
  count: 1,
  links: [link],
  status: 1,
  statusCode: 400,
});
