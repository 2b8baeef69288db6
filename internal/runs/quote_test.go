package runs

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/temporalio/sqlparser"
)

// A quoted value reads back whole through the server's own query parser,
// whatever quotes and backslashes it holds: none of it becomes query.
func TestQuoteRoundTripsThroughTheServersParser(t *testing.T) {
	for _, v := range []string{"plain", "o'brien", `ends\`, `id\' OR WorkflowId = 'x`, `a\\'b`, `''`} {
		stmt, err := sqlparser.Parse("select * from t where WorkflowId = '" + Quote(v) + "'")
		require.NoError(t, err, v)
		cmp, ok := stmt.(*sqlparser.Select).Where.Expr.(*sqlparser.ComparisonExpr)
		require.True(t, ok, "%q: the where clause is one comparison", v)
		require.Equal(t, v, string(cmp.Right.(*sqlparser.SQLVal).Val), v)
	}
}
