using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Migration.Domain.Orders;

namespace Migration.Infrastructure.Data.Configurations;

/// <summary>
/// <c>order_lines</c>: a composite key the application assigns (never generated, so the pool copies it as it is and the
/// write fence has no counter to raise for it), and a version column the pool sets on every write.
/// </summary>
internal sealed class OrderLineConfiguration : IEntityTypeConfiguration<OrderLine>
{
    public void Configure(EntityTypeBuilder<OrderLine> builder)
    {
        builder.ToTable("order_lines");
        builder.HasKey(l => new { l.OrderId, l.LineNo });
        builder.Property(l => l.OrderId).HasColumnName("order_id").ValueGeneratedNever();
        builder.Property(l => l.LineNo).HasColumnName("line_no").ValueGeneratedNever();
        builder.Property(l => l.Sku).HasColumnName("sku").HasMaxLength(40).IsRequired();
        builder.Property(l => l.Qty).HasColumnName("qty");
        builder.Property(l => l.Price).HasColumnName("price").HasPrecision(12, 2);
        builder.Property(l => l.Utime).HasColumnName("utime");

        // Incremental validation walks (utime, key) with keyset pagination.
        builder.HasIndex(l => new { l.Utime, l.OrderId, l.LineNo }).HasDatabaseName("ix_order_lines_utime_key");
    }
}
