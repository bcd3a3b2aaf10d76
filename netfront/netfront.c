#include <xfront/netfront.h>
