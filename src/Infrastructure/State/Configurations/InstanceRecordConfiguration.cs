using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Migration.Infrastructure.State.Configurations;

internal sealed class InstanceRecordConfiguration : IEntityTypeConfiguration<InstanceRecord>
{
    public void Configure(EntityTypeBuilder<InstanceRecord> builder)
    {
        builder.ToTable("migration_instances");
        builder.HasKey(i => i.InstanceId);
        builder.Property(i => i.InstanceId).HasColumnName("instance_id").HasMaxLength(200).ValueGeneratedNever();
        builder.Property(i => i.Host).HasColumnName("host").HasMaxLength(200).IsRequired();
        builder.Property(i => i.StartedAtMs).HasColumnName("started_at");
        builder.Property(i => i.LastSeenMs).HasColumnName("last_seen");
        builder.Property(i => i.RefreshMs).HasColumnName("refresh_ms");
        builder.Property(i => i.Pattern).HasColumnName("pattern").HasMaxLength(16).HasConversion<PatternWireConverter>().IsRequired();
        builder.Property(i => i.PatternVersion).HasColumnName("pattern_version");
        builder.Property(i => i.AppliedAtMs).HasColumnName("applied_at");
        builder.Property(i => i.SecondaryFailures).HasColumnName("secondary_failures");
        builder.Property(i => i.LastUnreportedAtMs).HasColumnName("last_unreported_at");
    }
}
