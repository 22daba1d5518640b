package main

// kafka_franz input and output for the benchmark's Benthos build, on franz-go as Redpanda
// Connect's own kafka_franz is. Only what the benchmark uses: seed brokers, topic(s), consumer
// group, record key, linger. The producer waits for all in-sync replicas and is idempotent
// (franz-go's default with acks=all), the same guarantees Sluice's kafka sink runs with.

import (
	"context"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kgo"
)

func init() {
	outSpec := service.NewConfigSpec().
		Summary("Writes messages to a Kafka topic with franz-go; a batch is acked once the broker has all of it.").
		Field(service.NewStringListField("seed_brokers")).
		Field(service.NewStringField("topic")).
		Field(service.NewInterpolatedStringField("key").Default("")).
		Field(service.NewDurationField("linger").Default("1ms")).
		Field(service.NewIntField("max_in_flight").Default(64)).
		Field(service.NewBatchPolicyField("batching"))
	err := service.RegisterBatchOutput("kafka_franz", outSpec,
		func(conf *service.ParsedConfig, mgr *service.Resources) (service.BatchOutput, service.BatchPolicy, int, error) {
			var policy service.BatchPolicy
			brokers, err := conf.FieldStringList("seed_brokers")
			if err != nil {
				return nil, policy, 0, err
			}
			topic, err := conf.FieldString("topic")
			if err != nil {
				return nil, policy, 0, err
			}
			key, err := conf.FieldInterpolatedString("key")
			if err != nil {
				return nil, policy, 0, err
			}
			linger, err := conf.FieldDuration("linger")
			if err != nil {
				return nil, policy, 0, err
			}
			inFlight, err := conf.FieldInt("max_in_flight")
			if err != nil {
				return nil, policy, 0, err
			}
			if policy, err = conf.FieldBatchPolicy("batching"); err != nil {
				return nil, policy, 0, err
			}
			return &franzOutput{brokers: brokers, topic: topic, key: key, linger: linger}, policy, inFlight, nil
		})
	if err != nil {
		panic(err)
	}

	inSpec := service.NewConfigSpec().
		Summary("Reads a Kafka topic in a consumer group with franz-go; offsets are committed once a batch is acked.").
		Field(service.NewStringListField("seed_brokers")).
		Field(service.NewStringListField("topics")).
		Field(service.NewStringField("consumer_group"))
	err = service.RegisterBatchInput("kafka_franz", inSpec,
		func(conf *service.ParsedConfig, mgr *service.Resources) (service.BatchInput, error) {
			brokers, err := conf.FieldStringList("seed_brokers")
			if err != nil {
				return nil, err
			}
			topics, err := conf.FieldStringList("topics")
			if err != nil {
				return nil, err
			}
			group, err := conf.FieldString("consumer_group")
			if err != nil {
				return nil, err
			}
			// A nacked batch (the WebSocket client it went to had gone) is read again, as
			// Redpanda Connect's kafka_franz does; without this it would be lost.
			return service.AutoRetryNacksBatched(&franzInput{brokers: brokers, topics: topics, group: group}), nil
		})
	if err != nil {
		panic(err)
	}
}

type franzOutput struct {
	brokers []string
	topic   string
	key     *service.InterpolatedString
	linger  time.Duration
	client  *kgo.Client
}

func (o *franzOutput) Connect(ctx context.Context) error {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(o.brokers...),
		kgo.DefaultProduceTopic(o.topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(o.linger),
	)
	if err != nil {
		return err
	}
	if err := cl.Ping(ctx); err != nil {
		cl.Close()
		return err
	}
	o.client = cl
	return nil
}

func (o *franzOutput) WriteBatch(ctx context.Context, batch service.MessageBatch) error {
	records := make([]*kgo.Record, 0, len(batch))
	for _, msg := range batch {
		value, err := msg.AsBytes()
		if err != nil {
			return err
		}
		key, err := o.key.TryString(msg)
		if err != nil {
			return err
		}
		rec := &kgo.Record{Value: value}
		if key != "" {
			rec.Key = []byte(key)
		}
		records = append(records, rec)
	}
	return o.client.ProduceSync(ctx, records...).FirstErr()
}

func (o *franzOutput) Close(ctx context.Context) error {
	if o.client != nil {
		o.client.Close()
	}
	return nil
}

type franzInput struct {
	brokers []string
	topics  []string
	group   string
	client  *kgo.Client
}

func (i *franzInput) Connect(ctx context.Context) error {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(i.brokers...),
		kgo.ConsumeTopics(i.topics...),
		kgo.ConsumerGroup(i.group),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.AutoCommitMarks(),
	)
	if err != nil {
		return err
	}
	i.client = cl
	return nil
}

func (i *franzInput) ReadBatch(ctx context.Context) (service.MessageBatch, service.AckFunc, error) {
	for {
		fetches := i.client.PollFetches(ctx)
		if fetches.IsClientClosed() {
			return nil, nil, service.ErrEndOfInput
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		records := fetches.Records()
		if len(records) == 0 {
			continue
		}
		batch := make(service.MessageBatch, 0, len(records))
		for _, r := range records {
			batch = append(batch, service.NewMessage(r.Value))
		}
		return batch, func(ctx context.Context, err error) error {
			if err == nil {
				i.client.MarkCommitRecords(records...)
			}
			return nil
		}, nil
	}
}

func (i *franzInput) Close(ctx context.Context) error {
	if i.client != nil {
		i.client.Close()
	}
	return nil
}
