import type { Lang } from '../language';

/** What the customer is told at each step of a case, in their language. */
export type CaseMessage =
  | { kind: 'ineligible'; why: string }
  | { kind: 'return_label'; rmaId: string; address: string; labelUrl: string; deadlineDays: number }
  | { kind: 'pickup_reminder'; rmaId: string; daysLeft: number }
  | { kind: 'pickup_timeout'; rmaId: string }
  | { kind: 'picked_up'; rmaId: string }
  | { kind: 'received'; rmaId: string }
  | { kind: 'inspection_failed'; note?: string }
  | { kind: 'awaiting_approval'; amount: number }
  | { kind: 'refund_issued'; amount: number; refundId: string }
  | { kind: 'refund_declined' }
  | { kind: 'refund_delayed' }
  | { kind: 'replacement_shipped'; shipmentId: string; trackingNumber: string }
  | { kind: 'replacement_unavailable' }
  | { kind: 'finance_settled'; note?: string }
  | { kind: 'complaint_acknowledged'; caseId: string }
  | { kind: 'complaint_escalated'; tier: number }
  | { kind: 'complaint_resolved'; resolution: string; couponCode?: string; couponAmount?: number }
  | { kind: 'csat_request'; caseId: string }
  | { kind: 'cancelled'; reason: string }
  | { kind: 'approval_expired'; what: 'refund' | 'goodwill'; amount: number }
  | { kind: 'agent_reply'; caseId: string; agentName: string; text: string };

const WHY: Record<string, { zh: string; en: string }> = {
  not_delivered: { zh: '订单尚未签收', en: 'the order has not been delivered yet' },
  already_closed: { zh: '订单已取消或已退货', en: 'the order was already cancelled or returned' },
  excluded_category: { zh: '该类商品不支持退换', en: 'items of this kind cannot be returned' },
  hygiene_item: { zh: '贴身卫生类商品仅支持质量问题退换', en: 'hygiene items can only be returned for a fault' },
  too_late: { zh: '已超过退换期限', en: 'the return period has passed' },
  order_not_found: { zh: '未找到该订单', en: 'we could not find the order' },
};

const yuan = (amount: number) => `¥${amount.toFixed(2)}`;

export function renderCaseMessage(message: CaseMessage, lang: Lang): string {
  const zh = lang === 'zh';
  switch (message.kind) {
    case 'ineligible': {
      const why = WHY[message.why] ?? { zh: message.why, en: message.why };
      return zh ? `很抱歉,您的退换申请未能受理:${why.zh}。` : `Sorry, we cannot accept this return: ${why.en}.`;
    }
    case 'return_label':
      return zh
        ? `退货单 ${message.rmaId} 已生成。请将商品寄回:${message.address}。电子面单:${message.labelUrl}。请在 ${message.deadlineDays} 天内交寄。`
        : `Return ${message.rmaId} is ready. Please send the item to: ${message.address}. Label: ${message.labelUrl}. Please hand it to the carrier within ${message.deadlineDays} days.`;
    case 'pickup_reminder':
      return zh ? `提醒:退货单 ${message.rmaId} 的包裹尚未交寄,还剩 ${message.daysLeft} 天。` : `Reminder: the parcel for return ${message.rmaId} has not been sent yet; ${message.daysLeft} days left.`;
    case 'pickup_timeout':
      return zh ? `退货单 ${message.rmaId} 超过期限未交寄,已自动取消。如仍需退货请重新申请。` : `Return ${message.rmaId} was cancelled because the parcel was not sent in time. Ask again if you still want to return it.`;
    case 'picked_up':
      return zh ? `退货单 ${message.rmaId} 的包裹已被快递揽收。` : `The carrier has picked up the parcel for return ${message.rmaId}.`;
    case 'received':
      return zh ? `仓库已收到退货单 ${message.rmaId} 的商品,正在质检。` : `The warehouse has received return ${message.rmaId} and is inspecting it.`;
    case 'inspection_failed':
      return zh ? `很抱歉,退回的商品未通过质检${message.note ? `(${message.note})` : ''},商品将寄回给您。` : `Sorry, the returned item did not pass inspection${message.note ? ` (${message.note})` : ''}; it will be sent back to you.`;
    case 'awaiting_approval':
      return zh ? `退款金额 ${yuan(message.amount)} 需主管审核,审核通过后立即退款。` : `The refund of ${yuan(message.amount)} needs a supervisor's approval; it is paid as soon as it is approved.`;
    case 'refund_issued':
      return zh ? `已为您退款 ${yuan(message.amount)}(退款单 ${message.refundId}),预计 1-7 个工作日原路到账。` : `We have refunded ${yuan(message.amount)} (refund ${message.refundId}); it reaches your original payment method in 1-7 working days.`;
    case 'refund_declined':
      return zh ? '很抱歉,您的退款申请未获批准,客服会与您联系说明原因。' : 'Sorry, the refund was not approved; our team will contact you with the reasons.';
    case 'refund_delayed':
      return zh ? '退款遇到问题,财务同事正在人工处理,处理完毕后通知您。' : 'The refund ran into a problem; our finance team is handling it by hand and will let you know.';
    case 'replacement_shipped':
      return zh ? `换货商品已发出,运单号 ${message.trackingNumber}。` : `Your replacement is on its way, tracking number ${message.trackingNumber}.`;
    case 'replacement_unavailable':
      return zh ? '很抱歉,换货商品暂时缺货,我们将为您办理退款。' : 'Sorry, the replacement is out of stock, so we will refund you instead.';
    case 'finance_settled':
      return zh ? `财务已处理您的退款${message.note ? `:${message.note}` : ''}。` : `Our finance team has settled your refund${message.note ? `: ${message.note}` : ''}.`;
    case 'complaint_acknowledged':
      return zh ? `您的投诉已受理,编号 ${message.caseId},专员会尽快处理。` : `We have received your complaint (${message.caseId}); a specialist will handle it shortly.`;
    case 'complaint_escalated':
      return zh ? `您的投诉已升级至第 ${message.tier} 级处理,我们会优先跟进。` : `Your complaint has been escalated to tier ${message.tier}; we are giving it priority.`;
    case 'complaint_resolved':
      return zh
        ? `您的投诉已处理:${message.resolution}${message.couponCode ? `。作为补偿,我们为您发放了 ${yuan(message.couponAmount ?? 0)} 优惠券(${message.couponCode})` : ''}。`
        : `Your complaint is resolved: ${message.resolution}${message.couponCode ? `. As an apology, here is a ${yuan(message.couponAmount ?? 0)} coupon (${message.couponCode})` : ''}.`;
    case 'csat_request':
      return zh ? `请为本次服务(${message.caseId})打分:1-5 分。` : `How did we do with ${message.caseId}? Please rate us from 1 to 5.`;
    case 'cancelled':
      return zh ? `您的申请已取消:${message.reason}` : `Your request has been cancelled: ${message.reason}`;
    case 'approval_expired':
      if (message.what === 'refund') {
        return zh
          ? `退款 ${yuan(message.amount)} 未能在时限内完成审核,已转交财务同事人工处理,处理完毕后通知您。`
          : `The refund of ${yuan(message.amount)} could not be approved in time, so our finance team is handling it by hand and will let you know.`;
      }
      return zh ? '关于补偿事宜,专员会另行与您联系。' : 'A specialist will contact you separately about compensation.';
    case 'agent_reply':
      return zh ? `【${message.caseId}】${message.agentName}:${message.text}` : `[${message.caseId}] ${message.agentName}: ${message.text}`;
  }
}
