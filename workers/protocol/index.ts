// The capture protocol, declared once: zod schemas and their types for everything that crosses
// a wire between the page, the workers and the server (docs/PROTOCOL.md). Pure: no DOM, no node:.
export * from './branding.ts';
export * from './capture-api.ts';
export * from './capture-plan.ts';
export * from './client-summary.ts';
export * from './device-profile.ts';
export * from './errors.ts';
export * from './light.ts';
export * from './limits.ts';
export * from './session.ts';
