import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes Loopdesk's workflows set; the supervisor registers them on start. */
export const CustomerIdKey = defineSearchAttributeKey('LoopdeskCustomerId', SearchAttributeType.KEYWORD);
export const ChannelKey = defineSearchAttributeKey('LoopdeskChannel', SearchAttributeType.KEYWORD);
export const StatusKey = defineSearchAttributeKey('LoopdeskStatus', SearchAttributeType.KEYWORD);
export const CaseTypeKey = defineSearchAttributeKey('LoopdeskCaseType', SearchAttributeType.KEYWORD);

export const customSearchAttributes = [CustomerIdKey, ChannelKey, StatusKey, CaseTypeKey];
