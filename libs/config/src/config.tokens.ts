/** Injection token for the app's validated config object (ApiConfig or WorkerConfig). */
export const APP_CONFIG = Symbol('APP_CONFIG');
