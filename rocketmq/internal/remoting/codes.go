package remoting

// Request codes (RocketMQ's RequestCode) the adapter sends itself, and the
// response codes (ResponseCode) it tells apart.
const (
	ReqQueryMessage           = 12  // QUERY_MESSAGE: the message index, by key or unique id
	ReqQueryConsumerOffset    = 14  // QUERY_CONSUMER_OFFSET
	ReqUpdateConsumerOffset   = 15  // UPDATE_CONSUMER_OFFSET
	ReqUpdateAndCreateTopic   = 17  // UPDATE_AND_CREATE_TOPIC
	ReqSearchOffsetByTime     = 29  // SEARCH_OFFSET_BY_TIMESTAMP
	ReqGetMaxOffset           = 30  // GET_MAX_OFFSET
	ReqHeartBeat              = 34  // HEART_BEAT, every client's heartbeat to its brokers
	ReqGetConsumerListByGroup = 38  // GET_CONSUMER_LIST_BY_GROUP
	ReqUnlockBatchMQ          = 42  // UNLOCK_BATCH_MQ
	ReqGetRouteInfoByTopic    = 105 // GET_ROUTEINFO_BY_TOPIC, to a name server
	ReqUpdateSubscriptionGrp  = 200 // UPDATE_AND_CREATE_SUBSCRIPTIONGROUP

	ResSuccess                = 0
	ResNoPermission           = 16
	ResTopicNotExist          = 17
	ResQueryNotFound          = 22
	ResSubscriptionGrpMissing = 26
)

// DefaultTopicKey is the broker's template topic, routable when
// autoCreateTopicEnable is on.
const DefaultTopicKey = "TBW102"
