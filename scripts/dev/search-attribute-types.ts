import { SearchAttributeType } from '@temporalio/common';
import proto from '@temporalio/proto';

const IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;

export function indexedValueTypeFor(type: SearchAttributeType): proto.temporal.api.enums.v1.IndexedValueType {
  switch (type) {
    case SearchAttributeType.KEYWORD: return IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    case SearchAttributeType.TEXT: return IndexedValueType.INDEXED_VALUE_TYPE_TEXT;
    case SearchAttributeType.INT: return IndexedValueType.INDEXED_VALUE_TYPE_INT;
    case SearchAttributeType.DOUBLE: return IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE;
    case SearchAttributeType.BOOL: return IndexedValueType.INDEXED_VALUE_TYPE_BOOL;
    case SearchAttributeType.DATETIME: return IndexedValueType.INDEXED_VALUE_TYPE_DATETIME;
    case SearchAttributeType.KEYWORD_LIST: return IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST;
  }
}
