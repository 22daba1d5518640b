// A Benthos (the open-source core of Redpanda Connect) binary for the benchmark.
// Redpanda Connect's own module (github.com/redpanda-data/connect/v4) is not served to this
// project, so this links the Benthos core, which brings http_server, and adds the two Kafka
// components the benchmark needs (kafka_franz.go), written on the same client, franz-go.
package main

import (
	"context"

	_ "github.com/redpanda-data/benthos/v4/public/components/io"
	_ "github.com/redpanda-data/benthos/v4/public/components/pure"
	"github.com/redpanda-data/benthos/v4/public/service"
)

func main() {
	service.RunCLI(context.Background())
}
