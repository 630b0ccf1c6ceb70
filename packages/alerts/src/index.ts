/**
 * @riposte/alerts: triggers from what SIEMs/XDRs really send.
 *
 * @since 0.1.0
 */
export * as Alert from "./Alert.ts"
export * as AlertError from "./AlertError.ts"
export * as AlertInbox from "./AlertInbox.ts"
export * as Alerts from "./Alerts.ts"
export * as CronTrigger from "./CronTrigger.ts"
export * as PullTrigger from "./PullTrigger.ts"
export * as SafeJson from "./SafeJson.ts"
export * as Webhook from "./Webhook.ts"
