package rabbitmq

import (
	"errors"
	"regexp"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/unimq/unimq/mq/driver"
)

// inequivalent reads the broker's reason for refusing a declaration of an
// existing queue with other arguments, e.g. "PRECONDITION_FAILED -
// inequivalent arg 'x-queue-type' for queue 'q' in vhost '/': received none
// but current is the value 'quorum' of type 'longstr'".
var inequivalent = regexp.MustCompile(`inequivalent arg '([^']*)' for queue '.*' in vhost '.*': received (.*) but current is (.*)$`)

// conflictErr is the CodeInvalidOption of a queue declaration the broker
// refused because the queue exists with other arguments: it names the
// argument, what unimq declared and what the queue has, and the ways out.
func conflictErr(name string, err error) error {
	var ae *amqp.Error
	if errors.As(err, &ae) {
		if m := inequivalent.FindStringSubmatch(ae.Reason); m != nil {
			return driver.Errorf(driver.CodeInvalidOption, "declare",
				"queue %q exists with argument %s = %s, unimq declares %s (queue_type / WithQueueType, Ordered, delivery_limit must match the queue; rabbitmq.WithExistingQueue() consumes it as it is): %w",
				name, m[1], m[3], m[2], err)
		}
	}
	return driver.Errorf(driver.CodeInvalidOption, "declare", "queue %q exists with other arguments (Ordered and unordered subscribers of one queue, another queue type, or a queue declared elsewhere: rabbitmq.WithExistingQueue() consumes it as it is): %w", name, err)
}
