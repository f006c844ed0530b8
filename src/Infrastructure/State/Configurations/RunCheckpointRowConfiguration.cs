using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Migration.Infrastructure.State.Configurations;

internal sealed class RunCheckpointRowConfiguration : IEntityTypeConfiguration<RunCheckpointRow>
{
    public void Configure(EntityTypeBuilder<RunCheckpointRow> builder)
    {
        builder.ToTable("run_checkpoints");
        builder.HasKey(c => c.Kind);
        builder.Property(c => c.Kind).HasMaxLength(20);
        builder.Property(c => c.BaseSide).HasMaxLength(3);
        builder.Property(c => c.Status).HasMaxLength(20);
        builder.Property(c => c.LastError).HasMaxLength(2000);
    }
}

internal sealed class TableCheckpointRowConfiguration : IEntityTypeConfiguration<TableCheckpointRow>
{
    public void Configure(EntityTypeBuilder<TableCheckpointRow> builder)
    {
        builder.ToTable("run_table_checkpoints");
        builder.HasKey(c => new { c.Kind, c.Table });
        builder.Property(c => c.Kind).HasMaxLength(20);
        builder.Property(c => c.Table).HasMaxLength(128);
        builder.Property(c => c.Status).HasMaxLength(20);
        builder.Property(c => c.BaseVersion).HasMaxLength(64);
        builder.Property(c => c.TargetVersion).HasMaxLength(64);
        builder.Property(c => c.BaseKey).HasMaxLength(2000);
        builder.Property(c => c.TargetKey).HasMaxLength(2000);
        builder.Property(c => c.LastError).HasMaxLength(2000);
    }
}
