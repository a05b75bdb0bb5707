package harness

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of ds,
// 0 for none. ds is not modified.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = min(max(rank, 1), len(s))
	return s[rank-1]
}

// Ms formats a duration in milliseconds with two decimals.
func Ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// Prices are AWS list prices (us-east-1) used for the cost estimates.
type Prices struct {
	AsOf                string  // when these list prices were taken
	Region              string  // us-east-1
	LambdaGBSecond      float64 // arm64
	LambdaPerMillion    float64 // requests
	HTTPAPIPerMillion   float64 // API Gateway HTTP API, first 300M
	SQSFIFOPerMillion   float64 // per 64 KB chunk
	SQSStdPerMillion    float64
	DynamoWRUPerMillion float64 // on-demand
	DynamoRRUPerMillion float64
	AlarmPerMonth       float64 // CloudWatch standard-resolution metric alarm
}

// ListPrices are the prices this report uses.
var ListPrices = Prices{
	AsOf: "2025 (AWS public price pages; on-demand DynamoDB after the Nov 2024 price cut)", Region: "us-east-1",
	LambdaGBSecond: 0.0000133334, LambdaPerMillion: 0.20, HTTPAPIPerMillion: 1.00,
	SQSFIFOPerMillion: 0.50, SQSStdPerMillion: 0.40,
	DynamoWRUPerMillion: 0.625, DynamoRRUPerMillion: 0.125, AlarmPerMonth: 0.10,
}

// Usage is a quantity of billable AWS usage.
type Usage struct {
	LambdaRequests  float64
	LambdaGBSeconds float64
	HTTPRequests    float64
	SQSFIFO         float64 // requests (64 KB chunks) on FIFO queues
	SQSStd          float64 // requests on standard queues
	WRU, RRU        float64
	Alarms          float64 // alarm-months
}

// Add returns u + o.
func (u Usage) Add(o Usage) Usage {
	return Usage{
		LambdaRequests: u.LambdaRequests + o.LambdaRequests, LambdaGBSeconds: u.LambdaGBSeconds + o.LambdaGBSeconds,
		HTTPRequests: u.HTTPRequests + o.HTTPRequests, SQSFIFO: u.SQSFIFO + o.SQSFIFO, SQSStd: u.SQSStd + o.SQSStd,
		WRU: u.WRU + o.WRU, RRU: u.RRU + o.RRU, Alarms: u.Alarms + o.Alarms,
	}
}

// Scale returns u × k.
func (u Usage) Scale(k float64) Usage {
	return Usage{
		LambdaRequests: u.LambdaRequests * k, LambdaGBSeconds: u.LambdaGBSeconds * k, HTTPRequests: u.HTTPRequests * k,
		SQSFIFO: u.SQSFIFO * k, SQSStd: u.SQSStd * k, WRU: u.WRU * k, RRU: u.RRU * k, Alarms: u.Alarms * k,
	}
}

// CostLine is one priced part of a Usage.
type CostLine struct {
	Item     string
	Quantity float64
	Unit     string
	USD      float64
}

// Lines prices u item by item (zero quantities are left out).
func (p Prices) Lines(u Usage) []CostLine {
	m := 1e6
	all := []CostLine{
		{"Lambda requests", u.LambdaRequests, "requests", u.LambdaRequests * p.LambdaPerMillion / m},
		{"Lambda duration (arm64)", u.LambdaGBSeconds, "GB-s", u.LambdaGBSeconds * p.LambdaGBSecond},
		{"API Gateway HTTP API", u.HTTPRequests, "requests", u.HTTPRequests * p.HTTPAPIPerMillion / m},
		{"SQS FIFO", u.SQSFIFO, "requests", u.SQSFIFO * p.SQSFIFOPerMillion / m},
		{"SQS standard", u.SQSStd, "requests", u.SQSStd * p.SQSStdPerMillion / m},
		{"DynamoDB writes (on-demand)", u.WRU, "WRU", u.WRU * p.DynamoWRUPerMillion / m},
		{"DynamoDB reads (on-demand)", u.RRU, "RRU", u.RRU * p.DynamoRRUPerMillion / m},
		{"CloudWatch alarms", u.Alarms, "alarm-months", u.Alarms * p.AlarmPerMonth},
	}
	var out []CostLine
	for _, l := range all {
		if l.Quantity != 0 {
			out = append(out, l)
		}
	}
	return out
}

// Cost is the total price of u.
func (p Prices) Cost(u Usage) float64 {
	t := 0.0
	for _, l := range p.Lines(u) {
		t += l.USD
	}
	return t
}

// Table renders a Markdown table.
func Table(header []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("| " + strings.Join(header, " | ") + " |\n")
	seps := make([]string, len(header))
	for i := range seps {
		seps[i] = "---"
	}
	b.WriteString("|" + strings.Join(seps, "|") + "|\n")
	for _, r := range rows {
		cells := make([]string, len(header))
		for i := range cells {
			if i < len(r) {
				cells[i] = strings.ReplaceAll(r[i], "|", `\|`)
			}
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return b.String()
}

// Target is one goal of the benchmark with its measured value.
type Target struct {
	Name     string
	Goal     string
	Measured string
	Pass     bool
}

// PassFail renders a verdict.
func PassFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// TargetsTable renders targets as a Markdown table.
func TargetsTable(ts []Target) string {
	rows := make([][]string, len(ts))
	for i, t := range ts {
		rows[i] = []string{t.Name, t.Goal, t.Measured, PassFail(t.Pass)}
	}
	return Table([]string{"target", "goal", "measured", "verdict"}, rows)
}

// F formats a float with n decimals.
func F(v float64, n int) string { return fmt.Sprintf("%.*f", n, v) }

// USD formats a dollar amount with enough precision for tiny costs.
func USD(v float64) string {
	switch {
	case v == 0:
		return "$0"
	case v < 0.0001:
		return fmt.Sprintf("$%.7f", v)
	case v < 0.01:
		return fmt.Sprintf("$%.5f", v)
	}
	return fmt.Sprintf("$%.4f", v)
}
