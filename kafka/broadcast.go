package kafka

import (
	"context"
	"log/slog"

	"github.com/IBM/sarama"
	"github.com/unimq/unimq/mq/driver"
)

// startBroadcast reads every partition of the topic with a plain sarama
// Consumer, without a group and without commits: every subscriber instance
// gets every record from its start position (newest by default, resolved
// before Subscribe returns). Partitions added later are not picked up.
func (s *subscription) startBroadcast(ctx context.Context) error {
	const op = "subscribe"
	parts, err := s.client.Partitions(s.cfg.Topic)
	if err != nil {
		return driver.Errorf(driver.CodeUnavailable, op, "partitions of %q: %w", s.cfg.Topic, err)
	}
	cons, err := sarama.NewConsumerFromClient(s.client)
	if err != nil {
		return driver.Errorf(driver.CodeUnavailable, op, "consumer: %w", err)
	}
	s.consumer = cons
	for _, p := range parts {
		if err := ctx.Err(); err != nil {
			return driver.Wrap(driver.CodeOf(err), op, err)
		}
		off, err := startOffset(s.client, s.cfg.Topic, p, s.cfg.Start)
		if err != nil {
			return driver.Errorf(driver.CodeUnavailable, op, "start offset of %s/%d: %w", s.cfg.Topic, p, err)
		}
		pc, err := cons.ConsumePartition(s.cfg.Topic, p, off)
		if err != nil {
			return driver.Errorf(driver.CodeUnavailable, op, "consume %s/%d: %w", s.cfg.Topic, p, err)
		}
		cs := newClaimState(s.cfg.Topic, p, nil)
		s.wg.Add(1)
		go s.readPartition(pc, cs)
	}
	s.markReady()
	return nil
}

func (s *subscription) readPartition(pc sarama.PartitionConsumer, cs *claimState) {
	defer s.wg.Done()
	defer pc.AsyncClose()
	msgs, errs := pc.Messages(), pc.Errors()
	for msgs != nil || errs != nil {
		select {
		case r, ok := <-msgs:
			if !ok {
				msgs = nil
				continue
			}
			ds := readRun(r, msgs, s.maxRun(), cs)
			run := make([]*driver.Message, len(ds))
			for i := range ds {
				run[i] = &ds[i].dm
			}
			if !s.push(s.ctx, run) {
				return
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			s.c.log.LogAttrs(context.Background(), slog.LevelWarn, "unimq kafka: partition consumer error",
				slog.String("topic", s.cfg.Topic), slog.Int("partition", int(cs.partition)), slog.String("error", err.Error()))
		case <-s.ctx.Done():
			return
		}
	}
}
