using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Migration.Infrastructure.State.Configurations;

internal sealed class DeadLetterRecordConfiguration : IEntityTypeConfiguration<DeadLetterRecord>
{
    public void Configure(EntityTypeBuilder<DeadLetterRecord> builder)
    {
        builder.ToTable("dead_letters");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).ValueGeneratedOnAdd();
        builder.Property(d => d.Key).HasMaxLength(DeadLetterRecord.KeyLength).IsRequired();
        builder.Property(d => d.Payload).IsRequired();
        builder.Property(d => d.Error).HasMaxLength(DeadLetterRecord.TextLength).IsRequired();
        builder.Property(d => d.Source).HasMaxLength(DeadLetterRecord.TextLength).IsRequired();
        builder.Property(d => d.RetriedAtMs).IsConcurrencyToken();
        // The status's count of open dead letters, and "every open one" for a replay, read this index.
        builder.HasIndex(d => new { d.RetriedAtMs, d.Id });
    }
}
