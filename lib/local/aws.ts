/** The stand-ins accept any credentials; fixed ones keep a developer's real AWS profile out of it. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const localRegion = 'us-east-1';
