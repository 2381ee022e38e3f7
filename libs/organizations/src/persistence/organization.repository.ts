import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Organization } from './organization.entity.js';

/** Organizations (the `Organization` entity). */
@Injectable()
export class OrganizationRepository {
  constructor(private readonly dataSource: DataSource) {}

  insert(manager: EntityManager, values: Partial<Organization>): Promise<Organization> {
    return manager.save(manager.create(Organization, values));
  }

  async save(manager: EntityManager, organization: Organization): Promise<void> {
    await manager.save(organization);
  }

  findById(id: string): Promise<Organization | null> {
    return this.dataSource.getRepository(Organization).findOneBy({ id });
  }

  findByIds(ids: readonly string[]): Promise<Organization[]> {
    return this.dataSource.getRepository(Organization).createQueryBuilder('o').where('o.id IN (:...ids)', { ids }).getMany();
  }

  /** The organization, its row locked FOR UPDATE (membership changes and its own updates queue on it), or null. */
  lock(manager: EntityManager, organizationId: string): Promise<Organization | null> {
    return manager.findOne(Organization, { where: { id: organizationId }, lock: { mode: 'pessimistic_write' } });
  }

  /** The organization owning this connected account, its row locked FOR UPDATE, or null. */
  lockByStripeAccount(manager: EntityManager, stripeAccountId: string): Promise<Organization | null> {
    return manager.findOne(Organization, { where: { stripeAccountId }, lock: { mode: 'pessimistic_write' } });
  }
}
