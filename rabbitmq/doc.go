// Package rabbitmq is the RabbitMQ backend of unimq (package doc: see docs/rabbitmq.md).
package rabbitmq
