package main

import "testing"

func TestNormalizeCause(t *testing.T) {
	tests := []struct {
		name, code, msg, want string
	}{
		{
			name: "a DynamoDB call cut by the batch deadline",
			code: "transient",
			msg:  "confirm export: dynamo: confirm export chaos03/export#c00023: transient: storage temporarily unavailable: operation error DynamoDB: PutItem, https response error StatusCode: 0, RequestID: , canceled, context deadline exceeded",
			want: "transient: confirm export: dynamo: confirm export <company>/export#<candidate>: transient: storage temporarily unavailable: DynamoDB PutItem: context deadline exceeded",
		},
		{
			name: "a Lever fault with an opportunity id",
			code: "transient",
			msg:  "look for note history: transient: lever GET /opportunities/568d35e2-7609-4e0a-b497-8c4972fdb2f1/notes: 503",
			want: "transient: look for note history: transient: lever GET /opportunities/<id>/notes: 503",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := normalizeCause(tt.code, tt.msg); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
