using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Migration.Infrastructure.State.Configurations;

internal sealed class RunRecordConfiguration : IEntityTypeConfiguration<RunRecord>
{
    public void Configure(EntityTypeBuilder<RunRecord> builder)
    {
        builder.ToTable("migration_runs");
        builder.HasKey(r => r.Position);
        builder.Property(r => r.Position).HasColumnName("id").ValueGeneratedOnAdd();
        builder.Property(r => r.RunId).HasColumnName("run_id");
        builder.Property(r => r.Kind).HasColumnName("kind").HasMaxLength(20).IsRequired();
        builder.Property(r => r.BaseSide).HasColumnName("base_side").HasMaxLength(3).IsRequired();
        builder.Property(r => r.Repair).HasColumnName("repair");
        builder.Property(r => r.Utime).HasColumnName("utime");
        builder.Property(r => r.IntervalMs).HasColumnName("interval_ms");
        builder.Property(r => r.MaxRowsPerSecond).HasColumnName("max_rows_per_second");
        builder.Property(r => r.StartedAtMs).HasColumnName("started_at");
        builder.Property(r => r.EndedAtMs).HasColumnName("ended_at");
        builder.Property(r => r.SavedAtMs).HasColumnName("saved_at");
        builder.Property(r => r.Status).HasColumnName("status").HasMaxLength(20).IsRequired();
        builder.Property(r => r.RowsChecked).HasColumnName("rows_checked");
        builder.Property(r => r.TargetMissing).HasColumnName("target_missing");
        builder.Property(r => r.Neq).HasColumnName("neq");
        builder.Property(r => r.BaseMissing).HasColumnName("base_missing");
        builder.Property(r => r.Errors).HasColumnName("errors");
        builder.Property(r => r.LastError).HasColumnName("last_error").HasMaxLength(2000);
        builder.Property(r => r.Tables).HasColumnName("tables").IsRequired();
        builder.HasIndex(r => r.RunId).IsUnique();
    }
}

internal sealed class DifferenceRecordConfiguration : IEntityTypeConfiguration<DifferenceRecord>
{
    public void Configure(EntityTypeBuilder<DifferenceRecord> builder)
    {
        builder.ToTable("migration_differences");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).HasColumnName("id").ValueGeneratedOnAdd();
        builder.Property(d => d.RunId).HasColumnName("run_id");
        builder.Property(d => d.EventId).HasColumnName("event_id");
        builder.Property(d => d.Table).HasColumnName("table_name").HasMaxLength(128).IsRequired();
        builder.Property(d => d.Key).HasColumnName("row_key").HasMaxLength(DifferenceRecord.KeyLength).IsRequired();
        builder.Property(d => d.KeyColumns).HasColumnName("key_columns").IsRequired();
        builder.Property(d => d.Type).HasColumnName("type").HasMaxLength(20).IsRequired();
        builder.Property(d => d.BaseSide).HasColumnName("base_side").HasMaxLength(3).IsRequired();
        builder.Property(d => d.Columns).HasColumnName("columns").IsRequired();
        builder.Property(d => d.DetectedAtMs).HasColumnName("detected_at");
        // Fixed width, like outcome_at's number: the outcome's update keeps the row's size (see DifferenceRecord.OutcomeAtMs).
        builder.Property(d => d.Outcome).HasColumnName("outcome").HasMaxLength(20).IsFixedLength().IsRequired();
        builder.Property(d => d.OutcomeAtMs).HasColumnName("outcome_at");
        // A run's page newest first (list, fix SQL, counts); the repair reports outcomes by event id.
        builder.HasIndex(d => new { d.RunId, d.Id });
        builder.HasIndex(d => d.EventId);
    }
}
