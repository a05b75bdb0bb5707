package memstore

import (
	"context"
	"slices"
	"sync"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/posting"
)

// PostingContents implements posting.ContentStore in memory (the S3
// adapter's stand-in). Safe for concurrent use.
type PostingContents struct {
	mu sync.Mutex
	m  map[[2]string]posting.Content
}

var _ posting.ContentStore = (*PostingContents)(nil)

// NewPostingContents returns an empty content store.
func NewPostingContents() *PostingContents {
	return &PostingContents{m: map[[2]string]posting.Content{}}
}

func copyContent(c posting.Content) posting.Content {
	c.Lists = slices.Clone(c.Lists)
	for i := range c.Lists {
		c.Lists[i].Items = slices.Clone(c.Lists[i].Items)
	}
	return c
}

// PutContent replaces the posting's content.
func (s *PostingContents) PutContent(_ context.Context, companyID, postingID string, c posting.Content) error {
	if err := requireID("companyId", companyID); err != nil {
		return err
	}
	if err := requireID("postingId", postingID); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[[2]string{companyID, postingID}] = copyContent(c)
	return nil
}

// GetContent returns the posting's content, or apperr NotFound.
func (s *PostingContents) GetContent(_ context.Context, companyID, postingID string) (posting.Content, error) {
	if err := requireID("companyId", companyID); err != nil {
		return posting.Content{}, err
	}
	if err := requireID("postingId", postingID); err != nil {
		return posting.Content{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[[2]string{companyID, postingID}]
	if !ok {
		return posting.Content{}, apperr.E(apperr.NotFound, "no stored content for posting %s", postingID)
	}
	return copyContent(c), nil
}

// DeleteContent removes the posting's content (no error when none).
func (s *PostingContents) DeleteContent(_ context.Context, companyID, postingID string) error {
	if err := requireID("companyId", companyID); err != nil {
		return err
	}
	if err := requireID("postingId", postingID); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, [2]string{companyID, postingID})
	return nil
}
