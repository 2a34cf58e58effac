package rocketmq

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

// remotingCommand prints like the client's remote.RemotingCommand, whose
// String includes the ACL fields the credentials interceptor adds.
type remotingCommand struct{ ext map[string]string }

func (c remotingCommand) String() string {
	return fmt.Sprintf("Code: %d, opaque: %d, Remark: %s, ExtFields: %v", 37, 12, "", c.ext)
}

// No ACL secret the client puts in a log line reaches a slog record.
func TestClientLogRedactsCredentials(t *testing.T) {
	var buf bytes.Buffer
	clientLogger.Store(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer clientLogger.Store(nil)
	cmd := remotingCommand{ext: map[string]string{"AccessKey": "AK-LEAK-1", "Signature": "SIG+LEAK/2=",
		"SecurityToken": "TOKEN-LEAK-3", "commitOrRollback": "8", "producerGroup": "g"}}
	var l clientLog
	l.Error("send endTransaction request error", map[string]interface{}{"request": cmd, "err": fmt.Errorf("write: broken pipe")})
	l.Warning("request AccessKey=AK-LEAK-4 failed", map[string]interface{}{"secretKey": "SK-LEAK-5",
		"body": `{"accessKey":"AK-LEAK-6","signature": "SIG-LEAK-7"}`})
	l.Info("x", map[string]interface{}{"SecurityToken": "TOKEN-LEAK-8", "access_key": "AK-LEAK-9"})
	out := buf.String()
	require.Contains(t, out, "send endTransaction request error")
	require.Contains(t, out, "commitOrRollback:8", "the rest of the request is kept")
	require.Contains(t, out, "broken pipe")
	require.Contains(t, out, "AccessKey:xxxxx")
	require.NotContains(t, out, "LEAK", "a secret reached the log:\n%s", out)
}
