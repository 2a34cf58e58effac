// Package all registers every unimq backend with one blank import, so a
// program picks its broker by configuration alone:
//
//	import (
//		"github.com/unimq/unimq/mq"
//		_ "github.com/unimq/unimq/all" // memory://, kafka://, amqp://, amqps://, rocketmq://
//	)
//
//	client, err := mq.OpenEnv(ctx, "memory://") // MQ_URL=kafka://10.0.0.5:9092 in production
//
// It imports the memory, kafka, rabbitmq and rocketmq packages for their
// init functions (each calls mq.Register for its URL schemes) and nothing
// else. A program that needs only one backend imports that package instead
// and links nothing of the others' client libraries.
package all

import (
	// Each import registers its URL schemes with mq, as database/sql
	// drivers do.
	_ "github.com/unimq/unimq/kafka"    // kafka://
	_ "github.com/unimq/unimq/memory"   // memory://
	_ "github.com/unimq/unimq/rabbitmq" // amqp://, amqps://
	_ "github.com/unimq/unimq/rocketmq" // rocketmq://
)
