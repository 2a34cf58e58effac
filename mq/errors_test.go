package mq_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/unimq/unimq/mq"
	"github.com/unimq/unimq/mq/driver"
)

func TestErrorsMatchByCode(t *testing.T) {
	err := driver.Errorf(driver.CodeTooLarge, "publish", "message of %d bytes", 10)
	assert.True(t, errors.Is(err, mq.ErrTooLarge))
	assert.False(t, errors.Is(err, mq.ErrClosed))
	assert.Equal(t, "unimq publish: too large: message of 10 bytes", err.Error())

	wrapped := fmt.Errorf("sending order: %w", err)
	assert.True(t, errors.Is(wrapped, mq.ErrTooLarge))
	assert.Equal(t, driver.CodeTooLarge, mq.CodeOf(wrapped))

	cause := errors.New("dial tcp: refused")
	w := driver.Wrap(driver.CodeUnavailable, "open", cause)
	assert.True(t, errors.Is(w, mq.ErrUnavailable))
	assert.True(t, errors.Is(w, cause))
	// Wrapped once: an *Error is not wrapped again under another code.
	assert.Same(t, err, driver.Wrap(driver.CodeUnavailable, "x", err))
	assert.Nil(t, driver.Wrap(driver.CodeUnavailable, "x", nil))

	assert.Equal(t, driver.CodeCanceled, mq.CodeOf(context.Canceled))
	assert.Equal(t, driver.CodeTimeout, mq.CodeOf(context.DeadlineExceeded))
	assert.Equal(t, driver.CodeUnknown, mq.CodeOf(errors.New("x")))
	assert.Equal(t, "code(99)", driver.Code(99).String())
}

func TestNoRetryUnwraps(t *testing.T) {
	cause := errors.New("bad payload")
	err := mq.NoRetry(cause)
	assert.True(t, errors.Is(err, cause))
	assert.Equal(t, "bad payload", err.Error())
	assert.Nil(t, mq.NoRetry(nil))
}
