/** Atrium's version, as /healthz and the OpenAPI document give it. */
export const VERSION = '0.1.0';
