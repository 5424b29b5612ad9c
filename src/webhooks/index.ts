// ESP webhooks (Amazon SES via SNS, SendGrid, Mailgun, Postmark): each request verified, its bounce
// and complaint events recorded once in the audience's feedback ledger. Served by the unsubscribe server.
export { anyWebhook, createWebhookReceiver, webhookRoute, type WebhookAnswer, type WebhookReceiver } from './receive.ts';
export { readRawBody, WEBHOOK_BODY_LIMITS } from './request.ts';
export { WEBHOOK_ENV, WEBHOOK_NAMES, WEBHOOK_PROVIDERS, WebhookError, type WebhookConfig, type WebhookEvent, type WebhookProvider } from './types.ts';
