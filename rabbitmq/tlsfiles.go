package rabbitmq

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/unimq/unimq/mq/driver"
)

// maxPEM bounds what readPEM reads: CA bundles and keys are kilobytes.
const maxPEM = 4 << 20

// readPEM reads the file a tls_* parameter names, honouring ctx: it opens
// without blocking (O_NONBLOCK: a FIFO with no writer would block open(2)
// and read(2) forever) and refuses anything but a regular file. The errors
// name the parameter and the reason, not the path or the content.
func readPEM(ctx context.Context, param, path string) ([]byte, error) {
	fail := func(why string) error {
		return driver.Errorf(driver.CodeInvalidOption, "open", "%s: %s", param, why)
	}
	if err := ctx.Err(); err != nil {
		return nil, &driver.Error{Code: driver.CodeOf(err), Op: "open", Msg: param + ": not read", Err: err}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fail("cannot open the file (" + reason(err) + ")")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fail("cannot stat the file (" + reason(err) + ")")
	}
	if !st.Mode().IsRegular() {
		return nil, fail("not a regular file")
	}
	if st.Size() > maxPEM {
		return nil, fail("file larger than 4 MiB")
	}
	buf := make([]byte, 0, st.Size()+1)
	chunk := make([]byte, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return nil, &driver.Error{Code: driver.CodeOf(err), Op: "open", Msg: param + ": reading interrupted", Err: err}
		}
		n, err := f.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if len(buf) > maxPEM {
			return nil, fail("file larger than 4 MiB")
		}
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, fail("cannot read the file (" + reason(err) + ")")
		}
	}
}

// reason is the system's reason of a file error, without the path.
func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return "I/O error"
}
