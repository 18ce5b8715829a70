// The flow engine's side effects (FlowActions), bound to one conversation:
// cases it creates belong to the conversation and its customer, and a
// customer can look up only their own cases by number.
import type { ConversationDoc } from '../conversations/conversations.service';
import type { FlowActions } from '../flows/engine';
import type { CasesService } from './cases.service';
import type { CaseType } from './case.types';

export function caseActions(cases: CasesService, conversation: ConversationDoc): FlowActions {
  return {
    async createCase({ type, fields, summary, language }) {
      const c = await cases.create({
        type,
        fields,
        summary,
        language,
        conversationId: conversation._id,
        customerId: conversation.customerId,
        channel: conversation.channel,
        source: 'bot',
      });
      return { number: c.number };
    },
    async findCase(number) {
      const c = await cases.findByNumber(number);
      // Another customer's case is "not found": a number is no proof of who is asking.
      if (!c || String(c.customerId) !== String(conversation.customerId)) return null;
      return { number: c.number, type: c.type as CaseType, status: c.status, updatedAt: new Date(c.updatedAt) };
    },
    async recordSatisfaction(score) {
      await cases.recordSatisfaction({ conversationId: conversation._id, customerId: conversation.customerId, channel: conversation.channel, language: conversation.language, score });
    },
  };
}
