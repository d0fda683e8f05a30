/** A definition's camelCase name as construct ids, alarm ids and output names spell it: `sendSms` → `SendSms`. */
export const capitalized = (name: string): string => `${name[0]?.toUpperCase() ?? ''}${name.slice(1)}`;
