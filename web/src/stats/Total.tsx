/** One figure of a totals list (<dl>): its name, its value, and a line of detail. */
export function Total({ id, label, value, detail }: { id: string; label: string; value: string; detail?: string }) {
  return (
    <div className="total" data-testid={`total-${id}`}>
      <dt>{label}</dt>
      <dd className="total-value">{value}</dd>
      {detail && <dd className="total-detail">{detail}</dd>}
    </div>
  );
}
