/**
 * What a notification receiver's name may be: atrium.yaml names receivers, teams and Group
 * annotations refer to them by it, the outbox stores it, the API filters by it. A name is
 * never a URL, so none of those places can hold a receiver's secret address. Pure.
 */
export const RECEIVER_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const RECEIVER_NAME_RULE = 'lowercase letters, digits and -, at most 63';
