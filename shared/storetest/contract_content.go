package storetest

import (
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/posting"
)

// PostingContentContract checks an implementation of posting.ContentStore
// (the memory store now; the S3 adapter when it lands).
func PostingContentContract(t *testing.T, newStore func(t *testing.T) posting.ContentStore) {
	store := newStore(t)
	t.Run("PutGetReplaceDelete", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co, other := ID("co"), ID("co")
		_, err := store.GetContent(c, co, "p1")
		wantCode(t, "Get unknown", err, apperr.NotFound)
		first := posting.Content{Description: "d", DescriptionHTML: "<div>d</div>", Lists: []posting.ContentList{{Text: "L", Content: "<li>a</li>", Items: []string{"a"}}}, Text: "d\n\nL\n- a"}
		must(t, "Put", store.PutContent(c, co, "p1", first))
		got, err := store.GetContent(c, co, "p1")
		must(t, "Get", err)
		wantEqual(t, "Get", got, first)
		_, err = store.GetContent(c, other, "p1")
		wantCode(t, "Get another company's", err, apperr.NotFound)
		second := posting.Content{Description: "e", Lists: []posting.ContentList{}, Text: "e"}
		must(t, "Put (replace)", store.PutContent(c, co, "p1", second))
		got, err = store.GetContent(c, co, "p1")
		must(t, "Get replaced", err)
		wantEqual(t, "Get replaced", got, second)
		must(t, "Delete", store.DeleteContent(c, co, "p1"))
		_, err = store.GetContent(c, co, "p1")
		wantCode(t, "Get deleted", err, apperr.NotFound)
		must(t, "Delete again", store.DeleteContent(c, co, "p1"))
	})
	t.Run("EmptyIDsRefused", func(t *testing.T) {
		t.Parallel()
		err := store.PutContent(ctx(t), "", "p1", posting.Content{})
		wantCode(t, "Put without company", err, apperr.Invalid)
	})
}
