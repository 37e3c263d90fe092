package proposals

import (
	"html/template"
	"testing"
)

func TestMarkMine(t *testing.T) {
	rows := template.HTML(`<li id="p12">a<span data-mine="12"></span></li><li id="p2">b &lt;span data-mine=&#34;3&#34;&gt;<span data-mine="2"></span></li><li id="p3"><span data-mine="3"></span></li>`)
	for _, c := range []struct {
		mine []int64
		want string
	}{
		{nil, string(rows)},
		{[]int64{7}, string(rows)},
		{[]int64{2}, `<li id="p12">a<span data-mine="12"></span></li><li id="p2">b &lt;span data-mine=&#34;3&#34;&gt; <span data-mine="2" class="ok">✓ Yours &amp; mine</span></li><li id="p3"><span data-mine="3"></span></li>`},
		{[]int64{3, 12}, `<li id="p12">a <span data-mine="12" class="ok">✓ Yours &amp; mine</span></li><li id="p2">b &lt;span data-mine=&#34;3&#34;&gt;<span data-mine="2"></span></li><li id="p3"> <span data-mine="3" class="ok">✓ Yours &amp; mine</span></li>`},
	} {
		if got := string(markMine(rows, c.mine, "Yours & mine")); got != c.want {
			t.Errorf("mine %v:\n got %s\nwant %s", c.mine, got, c.want)
		}
	}
}
